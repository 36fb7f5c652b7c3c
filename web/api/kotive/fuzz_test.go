package kotive_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// FuzzKotiveDecode: no request body, content type, credential or route parameter
// makes the kotive dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzKotiveDecode ./web/api/kotive/ explores further.
func FuzzKotiveDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	apitest.FuzzRoutes(f, e.App, []string{
		"POST /api/login",
		"GET /api/login",
		"POST /api/user/resetpassword",
		"POST /api/logout",
		"GET /api/{}",
	}, []string{ // after apitest.MalformedBodies
		`{"username":"ann@example.com","password":"correct horse battery"}`,
		`{"email":"ann@example.com"}`,
		`{"user":{"email":"ann@example.com"}}`,
		`{"email":1}`,
		`email=ann%40example.com`,
	})
}
