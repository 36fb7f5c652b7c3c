package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"gatehouse/internal/auth"
)

func TestWellKnown(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("jw@example.com", goodPassword)
	_, tok, err := e.svc.LoginTokens(context.Background(), auth.LoginInput{Identifier: "jw@example.com", Password: goodPassword, Via: auth.ViaWME})
	if err != nil {
		t.Fatal(err)
	}
	r := e.browser().get("/.well-known/jwks.json")
	expectStatus(t, r, http.StatusOK)
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(r.body), &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("jwks: %v %s", err, r.body)
	}
	k := jwks.Keys[0]
	if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["alg"] != "EdDSA" || k["x"] == "" || k["kid"] == "" || k["d"] != "" {
		t.Fatalf("jwk %v", k)
	}
	claims, err := e.svc.VerifyIDToken(context.Background(), tok.IDToken)
	if err != nil || claims.KeyID != k["kid"] {
		t.Fatalf("id_token kid %q, jwks kid %q, %v", claims.KeyID, k["kid"], err)
	}
	r = e.browser().get("/.well-known/openid-configuration")
	var oidc map[string]any
	if err := json.Unmarshal([]byte(r.body), &oidc); err != nil || oidc["issuer"] != "https://auth.example.test" || oidc["jwks_uri"] != "https://auth.example.test/.well-known/jwks.json" {
		t.Fatalf("openid configuration: %v %s", err, r.body)
	}
}
