package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// TestSMTPOutage is L4: with the mail server down, password reset requests
// answer as fast as usual; the server restarts once during the outage;
// when SMTP comes back every queued mail is delivered exactly once, except
// the one whose reset token expired during the outage, which never is.
func TestSMTPOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	outage := 3 * time.Second
	if *long {
		outage = 30 * time.Second
	}
	smtpAddr := freeAddr(t) // nothing listens there: SMTP is down
	addr := freeAddr(t)
	base := "http://" + addr
	db := filepath.Join(t.TempDir(), "gatehouse.db")
	e := func(resetTTL string) env {
		return env{
			"GATEHOUSE_ADDR":               addr,
			"GATEHOUSE_DB":                 db,
			"GATEHOUSE_SMTP_URL":           "smtp://" + smtpAddr,
			"GATEHOUSE_RESET_TTL":          resetTTL,
			"GATEHOUSE_OUTBOX_MAX_BACKOFF": "1s", // retry at least every second once SMTP is back
		}
	}
	const members = 5
	email := func(i int) string { return fmt.Sprintf("outage%d@example.com", i) }
	const expiring = "expiring@example.com"
	for i := range members + 1 {
		addr := expiring
		if i < members {
			addr = email(i)
		}
		if _, stderr, err := runBinary(t, e("60m"), "member", "create", "--email", addr, "--password", strongPassword, "--name", "Outage Tester"); err != nil {
			t.Fatalf("member create %s: %v\n%s", addr, err, stderr)
		}
	}

	hc := loadClient(4, 10*time.Second)
	ctx := context.Background()
	forgot := func(s *server, to string) {
		t.Helper()
		r := send(ctx, hc, "POST", s.base+"/auth/forgot-password", map[string]string{"email": to})
		if r.err != nil || r.status != http.StatusNoContent {
			t.Fatalf("POST /auth/forgot-password %s during the outage: %d %v %s", to, r.status, r.err, r.body)
		}
		t.Logf("reset request for %s during the outage answered in %v", to, r.dur.Round(time.Microsecond))
		if r.dur > time.Second {
			t.Errorf("reset request for %s took %v during the outage, want its normal latency (< 1s)", to, r.dur)
		}
	}

	// First run: five resets with the normal lifetime.
	s := startServer(t, e("60m"))
	for i := range members {
		forgot(s, email(i))
	}
	time.Sleep(outage / 2) // the worker tries and fails
	if !strings.Contains(s.stderr.String(), "send failed") {
		t.Errorf("the worker did not try (and fail) to send during the outage:\n%s", s.stderr)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 30*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM during the outage: %v", err)
	}

	// Second run, still without SMTP: one reset whose link lives 2 s.
	s = startServer(t, e("2s"))
	forgot(s, expiring)
	time.Sleep(max(outage/2, 3*time.Second)) // past the link's expiry
	outageEnd := time.Now()

	mail := smtptest.StartAt(t, smtpAddr)
	msgs := mail.WaitFor(t, members, 60*time.Second)
	t.Logf("%d mails delivered %v after SMTP came back", len(msgs), time.Since(outageEnd).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // room for a duplicate or a late expired mail
	count := map[string]int{}
	for _, m := range mail.Messages() {
		for _, to := range m.To {
			count[to]++
		}
		if smtptest.LinkIn(m, base+"/reset-password?token=") == "" {
			text, _ := smtptest.Bodies(m)
			t.Errorf("mail to %v has no reset link under %s:\n%s", m.To, base, text)
		}
	}
	for i := range members {
		if n := count[email(i)]; n != 1 {
			t.Errorf("%s received %d reset mails, want exactly 1", email(i), n)
		}
	}
	if n := count[expiring]; n != 0 {
		t.Errorf("%s received %d mails though its link expired during the outage", expiring, n)
	}
	if len(count) != members+boolInt(count[expiring] > 0) {
		t.Errorf("mail went to unexpected recipients: %v", count)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 30*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	// The expired mail is recorded as dropped, not left pending.
	sdb, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var dropped, pending int
	if err := sdb.QueryRow(`SELECT count(*) FILTER (WHERE dropped_at IS NOT NULL), count(*) FILTER (WHERE sent_at IS NULL AND dropped_at IS NULL)
		FROM outbox WHERE to_addr = ?`, expiring).Scan(&dropped, &pending); err != nil {
		t.Fatal(err)
	}
	if dropped != 1 || pending != 0 {
		t.Errorf("outbox rows to %s: %d dropped, %d pending; want 1 dropped, 0 pending", expiring, dropped, pending)
	}
	if strings.Contains(s.stderr.String(), "database is locked") {
		t.Errorf("the server log mentions a locked database")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
