package kuroco_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// FuzzKurocoDecode: no request body, content type, credential or route parameter
// makes the kuroco dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzKurocoDecode ./web/api/kuroco/ explores further.
func FuzzKurocoDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	apitest.FuzzRoutes(f, e.App, []string{
		"POST /rcms-api/1/login",
		"POST /rcms-api/1/token",
		"GET /rcms-api/1/file_access_token",
		"POST /rcms-api/1/alias_login",
		"POST /rcms-api/1/logout",
		"POST /rcms-api/1/reminder",
		"POST /rcms-api/1/reset_password",
		"GET /rcms-api/1/profile",
		"POST /rcms-api/{}/login",
		"GET /rcms-api/1/{}",
	}, []string{ // after apitest.MalformedBodies
		`{"email":"ann@example.com","password":"correct horse battery","login_save":0}`,
		`{"email":"ann@example.com","password":"wrong"}`,
		`{"grant_token":"abc"}`,
		`{"refresh_token":"abc"}`,
		`{"login_id":"ann@example.com","login_pwd":"x","login_save":"yes"}`,
		`{"member_id":"1","aliaslogin_target":-1}`,
		`{"email":"ann@example.com"}`,
		`{"token":"t","temp_pwd":"x","new_password":"y"}`,
		`{"email":[1,2],"password":{"a":1}}`,
		`email=ann%40example.com&password=correct+horse+battery`,
	})
}
