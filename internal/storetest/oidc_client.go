package storetest

import (
	"context"
	"testing"

	"gatehouse/internal/auth"
)

// testOIDCClients: a client is stored with every field, found by its
// client_id, listed oldest first; a taken client_id is ECONFLICT, and
// deleting removes only that client (ENOTFOUND the second time).
func testOIDCClients(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	a := &auth.Client{ClientID: "app-a", Name: "App A", SecretHash: "abc123", RedirectURIs: []string{"https://a.example/cb", "http://127.0.0.1:8080/cb"},
		FirstParty: true, RefuseProxy: true, LogoutURI: "https://a.example/logout", CreatedAt: t0}
	b := &auth.Client{ClientID: "app-b", Name: "App B", RedirectURIs: []string{"https://b.example/cb"}, Public: true, CreatedAt: t0.Add(1e9)}
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateClient(ctx, a); err != nil {
			return err
		}
		return tx.CreateClient(ctx, b)
	})
	if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
		t.Fatalf("IDs not set: %d %d", a.ID, b.ID)
	}
	got, err := s.ClientByClientID(ctx, "app-a")
	if err != nil || got.ID != a.ID || got.Name != "App A" || got.SecretHash != "abc123" || len(got.RedirectURIs) != 2 ||
		got.RedirectURIs[1] != "http://127.0.0.1:8080/cb" || got.Public || !got.FirstParty || !got.RefuseProxy ||
		got.LogoutURI != "https://a.example/logout" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("ClientByClientID = %+v, %v", got, err)
	}
	got, err = s.ClientByClientID(ctx, "app-b")
	if err != nil || !got.Public || got.FirstParty || got.SecretHash != "" || len(got.RedirectURIs) != 1 {
		t.Fatalf("ClientByClientID(b) = %+v, %v", got, err)
	}
	_, err = s.ClientByClientID(ctx, "app-c")
	wantCode(t, err, auth.ENOTFOUND)

	dup := &auth.Client{ClientID: "app-a", Name: "Again", RedirectURIs: []string{"https://x.example/cb"}, CreatedAt: t0}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.CreateClient(ctx, dup) }), auth.ECONFLICT)

	list, err := s.ListClients(ctx)
	if err != nil || len(list) != 2 || list[0].ClientID != "app-a" || list[1].ClientID != "app-b" {
		t.Fatalf("ListClients = %+v, %v", list, err)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteClient(ctx, "app-a") })
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.DeleteClient(ctx, "app-a") }), auth.ENOTFOUND)
	_, err = s.ClientByClientID(ctx, "app-a")
	wantCode(t, err, auth.ENOTFOUND)
	if list, _ := s.ListClients(ctx); len(list) != 1 || list[0].ClientID != "app-b" {
		t.Fatalf("after delete: %+v", list)
	}
}
