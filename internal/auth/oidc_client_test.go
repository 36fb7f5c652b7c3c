package auth_test

import (
	"context"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// TestOIDCClients: a confidential client gets a secret once, stored hashed;
// a public client none. Authentication takes only the right secret (a
// public client only none), unknown clients fail the same way, bad redirect
// URIs are refused with the field named, and a deleted client is gone.
func TestOIDCClients(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ctx := context.Background()
	meta := auth.ClientMeta{IP: "192.0.2.9"}
	c, secret, err := e.Svc.CreateClient(ctx, auth.ClientInput{Name: " Wiki ", RedirectURIs: []string{"https://wiki.example/cb", "https://wiki.example/cb", "http://127.0.0.1:9/cb"}})
	if err != nil || secret == "" || c.ClientID == "" || c.Name != "Wiki" || len(c.RedirectURIs) != 2 || c.Public {
		t.Fatalf("CreateClient = %+v, %q, %v", c, secret, err)
	}
	stored, err := e.Svc.Client(ctx, c.ClientID)
	if err != nil || stored.SecretHash == "" || stored.SecretHash == secret || stored.SecretHash != auth.HashToken(secret) {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	if got, err := e.Svc.AuthenticateClient(ctx, c.ClientID, secret, meta); err != nil || got.ClientID != c.ClientID {
		t.Fatalf("AuthenticateClient(right) = %+v, %v", got, err)
	}
	for _, bad := range []struct{ id, secret string }{{c.ClientID, secret + "x"}, {c.ClientID, ""}, {"nobody", secret}, {"", ""}} {
		if _, err := e.Svc.AuthenticateClient(ctx, bad.id, bad.secret, meta); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
			t.Errorf("AuthenticateClient(%q, %q) = %v, want EUNAUTHORIZED", bad.id, bad.secret, err)
		}
	}
	pub, psecret, err := e.Svc.CreateClient(ctx, auth.ClientInput{Name: "SPA", RedirectURIs: []string{"http://localhost:3000/cb"}, Public: true, FirstParty: true})
	if err != nil || psecret != "" || !pub.Public || !pub.FirstParty || pub.SecretHash != "" {
		t.Fatalf("CreateClient(public) = %+v, %q, %v", pub, psecret, err)
	}
	if _, err := e.Svc.AuthenticateClient(ctx, pub.ClientID, "", meta); err != nil {
		t.Fatalf("public client without secret: %v", err)
	}
	if _, err := e.Svc.AuthenticateClient(ctx, pub.ClientID, "anything", meta); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Fatalf("public client with a secret: %v", err)
	}
	for _, u := range []string{"http://wiki.example/cb", "https://wiki.example/cb#x", "/cb", "javascript:alert(1)", "https://u:p@wiki.example/cb", ""} {
		_, _, err := e.Svc.CreateClient(ctx, auth.ClientInput{Name: "Bad", RedirectURIs: []string{u}})
		if auth.ErrorFields(err)["redirect-uri"] == "" {
			t.Errorf("redirect URI %q: %v, want a redirect-uri field error", u, err)
		}
	}
	if _, _, err := e.Svc.CreateClient(ctx, auth.ClientInput{RedirectURIs: []string{"https://x.example/cb"}}); auth.ErrorFields(err)["name"] == "" {
		t.Errorf("no name: %v", err)
	}
	list, err := e.Svc.ListClients(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListClients = %+v, %v", list, err)
	}
	if err := e.Svc.DeleteClient(ctx, c.ClientID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.AuthenticateClient(ctx, c.ClientID, secret, meta); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Fatalf("deleted client authenticates: %v", err)
	}
	if err := e.Svc.DeleteClient(ctx, c.ClientID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
}
