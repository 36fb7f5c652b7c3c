package auth_test

import (
	"database/sql"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// TestAdmissionRefusalCostsNothing: when the hash pool could not answer a
// password check in time, the login and the registration are refused at
// once with 503-style EUNAVAILABLE and a Retry-After — for a known account,
// an unknown one and a new registration alike — without any database
// write and without the failure delay; once the pool drains, the same
// password works.
func TestAdmissionRefusalCostsNothing(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	h := auth.NewArgon2Pool(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}, auth.PoolOptions{Slots: 1, MaxWait: time.Second})
	const floor = 5 * time.Second
	svc, err := auth.NewService(e.Store, h, auth.Config{BaseURL: "https://auth.example.test", FailureFloor: floor}, auth.Options{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	m := e.Member(t, "ann@example.com", pw)

	// data_version of this connection changes when any other connection
	// commits (SQLite's own change counter for the file).
	db, err := sql.Open("sqlite3", e.DBPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	version := func() int64 {
		var v int64
		if err := db.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	release := auth.OccupyPool(h, 10*time.Second) // (0 + 1) × 10 s + 10 s ≫ 1 s
	before := version()
	meta := auth.ClientMeta{IP: "198.51.100.9"}
	tries := map[string]func() error{
		"login, right password": func() error {
			_, _, err := svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage, Meta: meta})
			return err
		},
		"login, wrong password": func() error {
			_, _, err := svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: "not it at all", Via: auth.ViaPage, Meta: meta})
			return err
		},
		"login, unknown account": func() error {
			_, _, err := svc.Login(ctx, auth.LoginInput{Identifier: "nobody@example.com", Password: pw, Via: auth.ViaPage, Meta: meta})
			return err
		},
		"registration": func() error {
			_, _, err := svc.Register(ctx, auth.RegisterInput{Name: "New Member", Email: "new@example.com", Password: pw, Via: auth.ViaPage, Meta: meta})
			return err
		},
	}
	for name, try := range tries {
		start := time.Now()
		err := try()
		took := time.Since(start)
		if auth.ErrorCode(err) != auth.EUNAVAILABLE || auth.AsError(err).RetryAfter < 19*time.Second {
			t.Fatalf("%s: %v (%s), want unavailable with Retry-After ≥ 19 s", name, err, auth.ErrorCode(err))
		}
		if took >= floor/2 {
			t.Fatalf("%s: refused after %v: the failure delay (%v) was applied", name, took, floor)
		}
	}
	if after := version(); after != before {
		t.Fatalf("refused attempts wrote to the database (data_version %d → %d)", before, after)
	}
	release()
	if _, _, err := svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage, Meta: meta}); err != nil {
		t.Fatalf("after the pool drained: %v", err)
	}
	if after := version(); after == before {
		t.Fatal("data_version did not move on a real login: the check cannot fail")
	}
}
