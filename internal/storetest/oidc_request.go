package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// testOIDCRequests: a request of an unknown client is ENOTFOUND; the
// sign-in, the code (once, only after the sign-in) and the use (once) are
// recorded; the code finds the request; deleting the client removes its
// requests. Consents are stored, replaced, found and deleted. A session's
// sign-in methods (AMR) are stored.
func testOIDCRequests(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("rp@example.com", ""))
	c := &auth.Client{ClientID: "app", Name: "App", RedirectURIs: []string{"https://a.example/cb"}, CreatedAt: t0}
	sess := &auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(3600e9), MFA: true, AMR: []string{"pwd", "otp"}}
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateClient(ctx, c); err != nil {
			return err
		}
		return tx.CreateSession(ctx, sess)
	})
	if got, err := s.SessionByID(ctx, sess.ID); err != nil || len(got.AMR) != 2 || got.AMR[1] != "otp" || !got.MFA {
		t.Fatalf("session AMR: %+v, %v", got, err)
	}
	r := auth.OIDCRequest{ID: "req-1", ClientID: "app", Request: `{"state":"x"}`, CreatedAt: t0, ExpiresAt: t0.Add(600e9)}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error {
		bad := r
		bad.ClientID = "nobody"
		return tx.CreateOIDCRequest(ctx, bad)
	}), auth.ENOTFOUND)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateOIDCRequest(ctx, r) })
	got, err := s.OIDCRequestByID(ctx, "req-1")
	if err != nil || got.ClientID != "app" || got.Request != `{"state":"x"}` || got.SessionID != 0 || got.AuthTime != nil ||
		got.CodeHash != "" || !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(600e9)) || got.UsedAt != nil {
		t.Fatalf("OIDCRequestByID = %+v, %v", got, err)
	}
	// No code before the sign-in.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetOIDCCode(ctx, "req-1", "h1") }), auth.ENOTFOUND)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SignInOIDCRequest(ctx, "req-1", sess.ID, t0) })
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetOIDCCode(ctx, "req-1", "h1") })
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetOIDCCode(ctx, "req-1", "h2") }), auth.ENOTFOUND)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SignInOIDCRequest(ctx, "req-1", sess.ID, t0) }), auth.ENOTFOUND)
	got, err = s.OIDCRequestByCode(ctx, "h1")
	if err != nil || got.ID != "req-1" || got.SessionID != sess.ID || got.AuthTime == nil || !got.AuthTime.Equal(t0) || got.CodeHash != "h1" {
		t.Fatalf("OIDCRequestByCode = %+v, %v", got, err)
	}
	_, err = s.OIDCRequestByCode(ctx, "h2")
	wantCode(t, err, auth.ENOTFOUND)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UseOIDCRequest(ctx, "req-1", t0.Add(1e9)) })
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UseOIDCRequest(ctx, "req-1", t0.Add(2e9)) }), auth.ENOTFOUND)
	if got, _ := s.OIDCRequestByID(ctx, "req-1"); got.UsedAt == nil || !got.UsedAt.Equal(t0.Add(1e9)) {
		t.Fatalf("after use: %+v", got)
	}

	_, err = s.ConsentOf(ctx, m.ID, "app")
	wantCode(t, err, auth.ENOTFOUND)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetConsent(ctx, m.ID, "app", []string{"openid", "email"}, t0) })
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetConsent(ctx, m.ID, "app", []string{"openid", "profile"}, t0) })
	if sc, err := s.ConsentOf(ctx, m.ID, "app"); err != nil || len(sc) != 2 || sc[1] != "profile" {
		t.Fatalf("ConsentOf = %v, %v", sc, err)
	}
	if list, err := s.ConsentsOfMember(ctx, m.ID); err != nil || len(list) != 1 || list[0].ClientID != "app" || list[0].ClientName != "App" ||
		len(list[0].Scopes) != 2 || !list[0].CreatedAt.Equal(t0) {
		t.Fatalf("ConsentsOfMember = %+v, %v", list, err)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteConsent(ctx, m.ID, "app") })
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.DeleteConsent(ctx, m.ID, "app") }), auth.ENOTFOUND)

	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetConsent(ctx, m.ID, "app", []string{"openid"}, t0) })
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteClient(ctx, "app") })
	_, err = s.OIDCRequestByID(ctx, "req-1")
	wantCode(t, err, auth.ENOTFOUND)
	_, err = s.ConsentOf(ctx, m.ID, "app")
	wantCode(t, err, auth.ENOTFOUND)
}

// testSweepOIDCRequests: requests that expired before the cutoff go, in
// batches of the limit; live ones stay.
func testSweepOIDCRequests(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateClient(ctx, &auth.Client{ClientID: "app", Name: "App", RedirectURIs: []string{"https://a.example/cb"}, CreatedAt: t0}); err != nil {
			return err
		}
		for i, exp := range []time.Duration{-3 * time.Hour, -2 * time.Hour, -90 * time.Minute, time.Hour} {
			r := auth.OIDCRequest{ID: "r" + strconv.Itoa(i), ClientID: "app", Request: "{}", CreatedAt: t0.Add(exp - 10*time.Minute), ExpiresAt: t0.Add(exp)}
			if err := tx.CreateOIDCRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	sw := auth.Sweep{Target: auth.SweepOIDCRequests, Before: t0.Add(-time.Hour), Now: t0, Limit: 2}
	if n := sweep(t, s, sw); n != 2 {
		t.Fatalf("first batch deleted %d, want 2", n)
	}
	if n := sweep(t, s, sw); n != 1 {
		t.Fatalf("second batch deleted %d, want 1", n)
	}
	if _, err := s.OIDCRequestByID(ctx, "r3"); err != nil {
		t.Fatalf("the live request went: %v", err)
	}
}
