package wme_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// FuzzWMEDecode: no request body, content type, credential or route parameter
// makes the wme dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzWMEDecode ./web/api/wme/ explores further.
func FuzzWMEDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	apitest.FuzzRoutes(f, e.App, []string{
		"POST /v1/login",
		"POST /v1/token-refresh",
		"POST /v1/token-revoke",
		"POST /v1/forgot-password",
		"POST /v1/forgot-password-confirm",
		"POST /v1/change-password",
		"POST /v1/new-password-required",
		"GET /v1/login",
		"POST /v1/{}",
	}, []string{ // after apitest.MalformedBodies
		`{"username":"ann@example.com","password":"correct horse battery"}`,
		`username=ann%40example.com&password=correct+horse+battery`,
		`{"username":"ann@example.com","refresh_token":"x"}`,
		`{"refresh_token":"x"}`,
		`{"username":"ann@example.com"}`,
		`{"username":"ann@example.com","confirmation_code":"123","password":"new horse battery"}`,
		`{"access_token":"x","previous_password":"a","proposed_password":"b"}`,
		`{"username":"a","session":"s","new_password":"n"}`,
		`{"username":1,"password":true}`,
		`username=a&username=b&password[]=x`,
	})
}
