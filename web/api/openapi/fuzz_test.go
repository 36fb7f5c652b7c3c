package openapi_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// FuzzOpenAPIDecode: no request body, content type, credential or route parameter
// makes the openapi dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzOpenAPIDecode ./web/api/openapi/ explores further.
func FuzzOpenAPIDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	apitest.FuzzRoutes(f, e.App, []string{
		"POST /auth",
		"POST /auth/register",
		"POST /auth/refresh-tokens",
		"POST /auth/reset-password",
		"POST /auth/forgot-password",
		"POST /auth/login",
	}, []string{ // after apitest.MalformedBodies
		`{"name":"Bob","email":"bob@example.com","password":"correct horse battery"}`,
		`{"refreshToken":"x"}`,
		`{"token":"x","password":"new horse battery","confirm":"new horse battery"}`,
		`{"email":"ann@example.com"}`,
		`{"email":"ann@example.com","password":"correct horse battery"}`,
		`{"name":[],"email":{},"password":1e999}`,
	})
}
