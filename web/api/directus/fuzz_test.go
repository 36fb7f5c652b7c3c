package directus_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// FuzzDirectusDecode: no request body, content type, credential or route parameter
// makes the directus dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzDirectusDecode ./web/api/directus/ explores further.
func FuzzDirectusDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	apitest.FuzzRoutes(f, e.App, []string{
		"POST /auth/login",
		"POST /auth/logout",
		"POST /auth/refresh",
		"POST /auth/password/request",
		"POST /auth/password/reset",
		"GET /users/me",
		"PATCH /users/me",
		"POST /users/me/tfa/generate",
		"POST /users/me/tfa/enable",
		"POST /users/me/tfa/disable",
		"POST /graphql/system",
		"GET /auth/oauth/{}",
		"GET /auth/login/{}",
		"GET /auth/login/{}/callback",
	}, []string{ // after apitest.MalformedBodies
		`{"email":"ann@example.com","password":"correct horse battery","mode":"json"}`,
		`{"email":"ann@example.com","password":"correct horse battery","mode":"session","otp":"123456"}`,
		`{"refresh_token":"x","mode":"cookie"}`,
		`{"email":"ann@example.com","reset_url":"https://evil.example/"}`,
		`{"token":"x","password":"new horse battery"}`,
		`{"secret":"JBSWY3DPEHPK3PXP","otp":"000000"}`,
		`{"query":"mutation { auth_login(email: \"ann@example.com\", password: \"correct horse battery\") { access_token refresh_token expires } }"}`,
		`{"query":"mutation($e: String!) { auth_password_request(email: $e) }","variables":{"e":"ann@example.com"}}`,
		`{"query":"{ a(b: {c: [1.5e3, -2, null, true, ENUM]}) }","operationName":7}`,
		`{"query":"[[[[","variables":"x"}`,
		`{"query":"mutation { auth_logout(refresh_token: \"\\u00\") }"}`,
		`{"mode":["json"]}`,
		`{"first_name":"Ann","last_name":null,"email":"ann2@example.com","password":"x","current_password":"correct horse battery"}`,
		`{"query":"{ __schema { types { name fields { name type { ofType { name } } } } } }"}`,
		`{"query":"query($n: String!) { __type(name: $n) { name } users_me { id } }","variables":{"n":["x"]}}`,
	})
}
