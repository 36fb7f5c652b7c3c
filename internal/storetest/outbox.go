package storetest

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/outbox"
)

// The worker's queue, checked here so that the production package does not
// import outbox (and through it views/email and templ).
var _ outbox.Queue = (Store)(nil)

const resetLink = "https://auth.example.com/reset?token=live-secret-token"

// enqueue writes mails in one transaction and returns their ids, in order.
func enqueue(t *testing.T, s Store, mails ...auth.Mail) []int64 {
	t.Helper()
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, m := range mails {
			if err := tx.EnqueueMail(context.Background(), m); err != nil {
				return err
			}
		}
		return nil
	})
	var ids []int64
	rows, err := rawDB(s).Query(`SELECT id FROM outbox ORDER BY id DESC LIMIT ?`, len(mails))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append([]int64{id}, ids...)
	}
	return ids
}

func resetMail(to string) auth.Mail {
	return auth.Mail{Kind: auth.MailReset, To: to, CreatedAt: t0,
		Data: map[string]string{"name": "Ann", "link": resetLink, "expires_minutes": "30"}}
}

func testEnqueueMail(t *testing.T) {
	s := mustOpen(t)
	m := resetMail("ann@example.com")
	m.NotAfter = t0.Add(time.Hour)
	id := enqueue(t, s, m)[0]
	got, err := s.ListMail(context.Background(), 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("ListMail = %v, %v", got, err)
	}
	want := m
	want.ID = id
	want.NextAttemptAt = t0 // defaults to CreatedAt
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("stored mail\n got %+v\nwant %+v", got[0], want)
	}
}

func testOutboxPayloadIsSealed(t *testing.T) {
	s := mustOpen(t)
	enqueue(t, s, resetMail("ann@example.com"))
	var payload []byte
	if err := rawDB(s).QueryRow(`SELECT payload FROM outbox`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{resetLink, "live-secret-token", "Ann", "link"} {
		if bytes.Contains(payload, []byte(plain)) {
			t.Errorf("payload column contains %q in clear", plain)
		}
	}
	mails, err := s.ListMail(context.Background(), 10)
	if err != nil || mails[0].Data["link"] != resetLink {
		t.Errorf("ListMail Data = %v, %v; want the link back", mails[0].Data, err)
	}
	// The same plaintext seals differently each time (random nonce).
	enqueue(t, s, resetMail("ann@example.com"))
	if n := count(t, s, `SELECT count(DISTINCT payload) FROM outbox`); n != 2 {
		t.Errorf("distinct payloads = %d, want 2", n)
	}
}

func testListMail(t *testing.T) {
	s := mustOpen(t)
	ids := enqueue(t, s, resetMail("a@example.com"), resetMail("b@example.com"), resetMail("c@example.com"))
	got, err := s.ListMail(context.Background(), 2)
	if err != nil || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] {
		t.Errorf("ListMail(2) = %+v, %v; want the two newest, newest first", got, err)
	}
	// Another key cannot open the payloads: the mails are listed without Data.
	other := []byte("another key, 32 bytes long......")
	s2, err := eng.Reopen(t, s, other)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err = s2.ListMail(context.Background(), 10)
	if err != nil || len(got) != 3 || got[0].Data != nil || got[0].To != "c@example.com" {
		t.Errorf("ListMail with the wrong key = %+v, %v", got, err)
	}
}

func ids(mails []auth.Mail) []int64 {
	var out []int64
	for _, m := range mails {
		out = append(out, m.ID)
	}
	return out
}

func testClaimDue(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	later := resetMail("later@example.com")
	later.NextAttemptAt = t0.Add(time.Hour)
	id := enqueue(t, s, resetMail("a@example.com"), resetMail("b@example.com"), later)

	got, err := s.ClaimDue(ctx, t0, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), id[:2]) {
		t.Fatalf("claimed %v, want %v (oldest first, only due ones)", ids(got), id[:2])
	}
	if got[0].Data["link"] != resetLink {
		t.Errorf("claimed Data = %v", got[0].Data)
	}
	// Leased: not claimable again until the lease ends.
	if again, err := s.ClaimDue(ctx, t0.Add(59*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("claim during lease = %v, %v; want none", ids(again), err)
	}
	again, err := s.ClaimDue(ctx, t0.Add(time.Minute), time.Minute, 1)
	if err != nil || !reflect.DeepEqual(ids(again), id[:1]) {
		t.Errorf("claim after lease with limit 1 = %v, %v; want %v", ids(again), err, id[:1])
	}
	if none, err := s.ClaimDue(ctx, t0, time.Minute, 0); err != nil || len(none) != 0 {
		t.Errorf("limit 0 = %v, %v", none, err)
	}
}

func testClaimDueSkipsUnopenablePayload(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id := enqueue(t, s, resetMail("a@example.com"), resetMail("b@example.com"))
	// Moving a sealed payload to another recipient breaks it.
	if _, err := rawDB(s).Exec(`UPDATE outbox SET to_addr = 'evil@example.com' WHERE id = ?`, id[0]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimDue(ctx, t0, time.Minute, 10)
	if err != nil || !reflect.DeepEqual(ids(got), id[1:]) {
		t.Fatalf("claimed %v, %v; want only %v", ids(got), err, id[1:])
	}
	var lastErr string
	rawDB(s).QueryRow(`SELECT last_error FROM outbox WHERE id = ?`, id[0]).Scan(&lastErr)
	if lastErr == "" {
		t.Error("unopenable mail has no last_error")
	}
}

func testMarkRetry(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id := enqueue(t, s, resetMail("a@example.com"))[0]
	if _, err := s.ClaimDue(ctx, t0, time.Hour, 10); err != nil {
		t.Fatal(err)
	}
	next := t0.Add(5 * time.Minute)
	if err := s.MarkRetry(ctx, id, next, "421 try later"); err != nil {
		t.Fatal(err)
	}
	// The lease is released, but the mail waits for next.
	if got, _ := s.ClaimDue(ctx, next.Add(-time.Millisecond), time.Hour, 10); len(got) != 0 {
		t.Errorf("claimed before next: %v", ids(got))
	}
	got, err := s.ClaimDue(ctx, next, time.Hour, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim at next = %v, %v", ids(got), err)
	}
	if got[0].Attempts != 1 || got[0].LastError != "421 try later" || !got[0].NextAttemptAt.Equal(next) {
		t.Errorf("after retry: %+v", got[0])
	}
	wantCode(t, s.MarkRetry(ctx, 999, next, "x"), auth.ENOTFOUND)
}

func testMarkSent(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id := enqueue(t, s, resetMail("a@example.com"))[0]
	s.ClaimDue(ctx, t0, time.Minute, 10)
	if err := s.MarkSent(ctx, id, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, t0.Add(24*time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("sent mail claimed again: %v", ids(got))
	}
	mails, _ := s.ListMail(ctx, 1)
	if mails[0].SentAt == nil || !mails[0].SentAt.Equal(t0.Add(time.Second)) {
		t.Errorf("SentAt = %v", mails[0].SentAt)
	}
	wantCode(t, s.MarkSent(ctx, 999, t0), auth.ENOTFOUND)
}

func testMarkDropped(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id := enqueue(t, s, resetMail("a@example.com"))[0]
	if err := s.MarkDropped(ctx, id, t0, "past not_after"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, t0.Add(24*time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("dropped mail claimed: %v", ids(got))
	}
	mails, _ := s.ListMail(ctx, 1)
	if mails[0].DroppedAt == nil || !mails[0].DroppedAt.Equal(t0) || mails[0].LastError != "past not_after" {
		t.Errorf("after MarkDropped: %+v", mails[0])
	}
	wantCode(t, s.MarkDropped(ctx, 999, t0, "x"), auth.ENOTFOUND)
}
