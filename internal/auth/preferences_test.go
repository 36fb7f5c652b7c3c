package auth_test

import (
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

func TestSetPreferences(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	m := e.Member(t, "ann@example.com", pw)
	if m.Location() != time.UTC {
		t.Fatalf("a new member's zone is %v", m.Location())
	}
	got, err := e.Svc.SetPreferences(ctx, m.ID, "ja", " Asia/Tokyo ")
	if err != nil || got.Language != "ja" || got.TimeZone != "Asia/Tokyo" {
		t.Fatalf("set: %v %+v", err, got)
	}
	stored, _ := e.Store.MemberByID(ctx, m.ID)
	if stored.Language != "ja" || stored.Location().String() != "Asia/Tokyo" {
		t.Fatalf("stored: %q %v", stored.Language, stored.Location())
	}
	for _, c := range []struct {
		name, lang, tz string
		fields         []string
	}{
		{"unknown language", "fr", "", []string{"language"}},
		{"unknown zone", "", "Mars/Olympus_Mons", []string{"time_zone"}},
		{"the server's Local", "en", "Local", []string{"time_zone"}},
		{"a path", "en", "../../etc/passwd", []string{"time_zone"}},
		{"both wrong", "xx", "Nowhere", []string{"language", "time_zone"}},
	} {
		_, err := e.Svc.SetPreferences(ctx, m.ID, c.lang, c.tz)
		if code(err) != auth.EINVALID {
			t.Errorf("%s: got %v", c.name, err)
			continue
		}
		for _, f := range c.fields {
			if auth.ErrorFields(err)[f] == "" {
				t.Errorf("%s: no message for %s in %v", c.name, f, err)
			}
		}
	}
	// Refused changes left the stored values alone.
	if again, _ := e.Store.MemberByID(ctx, m.ID); again.Language != "ja" || again.TimeZone != "Asia/Tokyo" {
		t.Fatalf("after refusals: %q %q", again.Language, again.TimeZone)
	}
	// The language switch keeps the zone; clearing both is allowed.
	if err := e.Svc.SetLanguage(ctx, m.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.Store.MemberByID(ctx, m.ID); again.Language != "en" || again.TimeZone != "Asia/Tokyo" {
		t.Fatalf("after SetLanguage: %q %q", again.Language, again.TimeZone)
	}
	if code(e.Svc.SetLanguage(ctx, m.ID, "de")) != auth.EINVALID {
		t.Fatal("SetLanguage accepted de")
	}
	if got, err := e.Svc.SetPreferences(ctx, m.ID, "", ""); err != nil || got.Language != "" || got.Location() != time.UTC {
		t.Fatalf("clear: %v %+v", err, got)
	}
}
