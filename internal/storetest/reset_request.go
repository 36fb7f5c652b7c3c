package storetest

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func resetRequest(to, ip string, at time.Time) auth.Mail {
	return auth.Mail{Kind: auth.MailResetRequest, To: to, ClientIP: ip, Data: map[string]string{"mode": "link"},
		CreatedAt: at, NextAttemptAt: at}
}

// TestResetRequestRows: request rows are counted by identifier and by IP
// within the window, claimed apart from mail, finished once, and never
// listed as mail.
func testResetRequestRows(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	ids := enqueue(t, s,
		resetRequest("ann@example.com", "192.0.2.1", t0.Add(-2*time.Hour)), // outside the window
		resetRequest("ann@example.com", "192.0.2.1", t0.Add(-30*time.Minute)),
		resetRequest("bob@example.com", "192.0.2.1", t0.Add(-10*time.Minute)),
		resetRequest("ann@example.com", "192.0.2.2", t0),
		auth.Mail{Kind: auth.MailReset, To: "ann@example.com", Data: map[string]string{"link": resetLink}, CreatedAt: t0, NextAttemptAt: t0},
	)
	since := t0.Add(-time.Hour)
	for _, c := range []struct {
		to, ip string
		n      int
		oldest time.Time
	}{
		{"ann@example.com", "", 2, t0.Add(-30 * time.Minute)},
		{"", "192.0.2.1", 2, t0.Add(-30 * time.Minute)},
		{"", "192.0.2.2", 1, t0},
		{"carol@example.com", "", 0, time.Time{}},
	} {
		n, oldest, err := s.RecentRequests(ctx, c.to, c.ip, since)
		if err != nil || n != c.n || !oldest.Equal(c.oldest) {
			t.Errorf("RecentRequests(%q, %q) = %d, %v, %v; want %d, %v", c.to, c.ip, n, oldest, err, c.n, c.oldest)
		}
	}
	ms, err := s.ListMail(ctx, 50)
	if err != nil || len(ms) != 1 || ms[0].Kind != auth.MailReset {
		t.Fatalf("ListMail = %+v, %v; want the one reset mail", ms, err)
	}
	claimed, err := s.ClaimRequests(ctx, t0, time.Minute, 10)
	if err != nil || len(claimed) != 4 {
		t.Fatalf("ClaimRequests = %d rows, %v; want 4", len(claimed), err)
	}
	for _, c := range claimed {
		if c.Kind != auth.MailResetRequest || c.Data["mode"] != "link" {
			t.Fatalf("claimed %+v", c)
		}
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.FinishRequest(ctx, ids[0], t0) })
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.FinishRequest(ctx, ids[0], t0) })
	if auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("finishing twice: %v", err)
	}
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.FinishRequest(ctx, ids[4], t0) })
	if auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("finishing a mail as a request: %v", err)
	}
	if n, err := s.PendingRequests(ctx); err != nil || n != 3 {
		t.Fatalf("PendingRequests = %d, %v; want 3", n, err)
	}
}
