package main

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// TestForgotRequestsSurviveKill: forgot-password requests acknowledged by
// the real binary are resolved and mailed exactly once although the server
// is killed (SIGKILL) right after answering them, before or after the worker
// resolved them. The first run has no SMTP (dev mode: its worker only
// resolves requests, so nothing was sent before the kill and nothing can be
// sent twice); the restarted one sends.
func TestForgotRequestsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	mail := smtptest.Start(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	for _, who := range []string{"ann@example.com", "bob@example.com", "cyd@example.com"} {
		if _, stderr, err := runBinary(t, e, "member", "create", "--email", who, "--password", strongPassword); err != nil {
			t.Fatalf("member create: %v\n%s", err, stderr)
		}
	}
	s := startServer(t, e)
	ctx := context.Background()
	c := loadClient(4, 10*time.Second)
	for _, r := range []struct{ path, field, who string }{
		{"/auth/forgot-password", "email", "ann@example.com"},       // reset link
		{"/v1/forgot-password", "username", "bob@example.com"},      // wme code
		{"/rcms-api/1/reminder", "email", "cyd@example.com"},        // link + temporary password
		{"/auth/forgot-password", "email", "nobody@example.com"},    // nothing
		{"/api/user/resetpassword", "email", "invitee@example.com"}, // invitation
	} {
		if rep := send(ctx, c, "POST", s.base+r.path, map[string]string{r.field: r.who}); rep.err != nil || rep.status >= 300 {
			t.Fatalf("%s %s: %d %v %s", r.path, r.who, rep.status, rep.err, rep.body)
		}
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.exited

	e["GATEHOUSE_SMTP_URL"] = mail.URL()
	delete(e, "GATEHOUSE_ADDR")
	startServer(t, e)
	// A request the killed worker had claimed but not resolved waits for
	// its lease (1 min) to run out.
	mail.WaitFor(t, 4, 90*time.Second)
	time.Sleep(2 * time.Second) // two polls more: nothing else may arrive
	msgs := mail.Messages()
	var to []string
	for _, m := range msgs {
		to = append(to, strings.Join(m.To, ","))
	}
	sort.Strings(to)
	if want := "ann@example.com bob@example.com cyd@example.com invitee@example.com"; strings.Join(to, " ") != want {
		t.Fatalf("mailed %v, want exactly one each to %s", to, want)
	}
}
