package outbox_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/outbox"
)

// memQueue is an in-memory outbox.Queue with the contract's lease semantics;
// the SQLite queue is tested in internal/sqlite.
type memQueue struct {
	mu     sync.Mutex
	mails  []*auth.Mail
	leased map[int64]time.Time
	claims int // ClaimDue calls, to observe the worker polling
}

var _ outbox.Queue = (*memQueue)(nil)

func newMemQueue(mails ...auth.Mail) *memQueue {
	q := &memQueue{leased: map[int64]time.Time{}}
	for _, m := range mails {
		q.add(m)
	}
	return q
}

func (q *memQueue) add(m auth.Mail) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m.ID = int64(len(q.mails) + 1)
	q.mails = append(q.mails, &m)
}

func (q *memQueue) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error) {
	return q.claim(now, lease, limit, false)
}

func (q *memQueue) ClaimRequests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error) {
	return q.claim(now, lease, limit, true)
}

func (q *memQueue) claim(now time.Time, lease time.Duration, limit int, onlyRequests bool) ([]auth.Mail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.claims++
	var out []auth.Mail
	for _, m := range q.mails {
		if len(out) == limit {
			break
		}
		if m.SentAt != nil || m.DroppedAt != nil || m.NextAttemptAt.After(now) || q.leased[m.ID].After(now) ||
			(onlyRequests && m.Kind != auth.MailResetRequest) {
			continue
		}
		q.leased[m.ID] = now.Add(lease)
		c := *m
		c.Data = maps.Clone(m.Data)
		out = append(out, c)
	}
	return out, nil
}

func (q *memQueue) MarkSent(_ context.Context, id int64, at time.Time) error {
	return q.update(id, func(m *auth.Mail) { m.SentAt = &at })
}

func (q *memQueue) MarkRetry(_ context.Context, id int64, next time.Time, errMsg string) error {
	return q.update(id, func(m *auth.Mail) { m.Attempts++; m.NextAttemptAt = next; m.LastError = errMsg })
}

func (q *memQueue) MarkDropped(_ context.Context, id int64, at time.Time, reason string) error {
	return q.update(id, func(m *auth.Mail) { m.DroppedAt = &at; m.LastError = reason })
}

func (q *memQueue) update(id int64, f func(*auth.Mail)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	f(q.mails[id-1])
	delete(q.leased, id)
	return nil
}

// get returns a snapshot of mail id.
func (q *memQueue) get(id int64) auth.Mail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.mails[id-1]
}

func (q *memQueue) claimCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.claims
}

// eventually polls cond until it holds or the (generous) deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
