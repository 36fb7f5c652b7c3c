// Package outbox sends the mail that use cases write to the durable outbox
// table: claim due rows, render them, send them, mark them sent or schedule a
// retry with exponential backoff. Nothing is sent inside a request.
package outbox

import (
	"context"
	"time"

	"gatehouse/internal/auth"
)

// Queue is the outbox table as the worker sees it (implemented by
// internal/sqlite). Every method is its own short transaction.
type Queue interface {
	// ClaimDue leases up to limit unsent, undropped mails whose NextAttemptAt
	// is not after now and whose lease (if any) has run out, and returns them
	// oldest first. A claimed row is invisible to other claims until now+lease.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error)
	// ClaimRequests is ClaimDue narrowed to the forgot-password request rows
	// (kind auth.MailResetRequest): what a worker without a Sender claims.
	ClaimRequests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error)
	// MarkSent records a successful delivery; the mail is never claimed again.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// MarkRetry increments Attempts, stores errMsg, releases the lease and
	// schedules the next attempt at next.
	MarkRetry(ctx context.Context, id int64, next time.Time, errMsg string) error
	// MarkDropped gives up on a mail (for example past its NotAfter); it is
	// never claimed again.
	MarkDropped(ctx context.Context, id int64, at time.Time, reason string) error
}

// Resolver turns a forgot-password request row into what it asks for
// (implemented by *auth.Service). In one transaction it decides what to
// send, queues the real mail and marks the request row done, so the worker
// never mails a request row and a request is resolved at most once; an
// error leaves the row pending, to be retried.
type Resolver interface {
	ResolveRequest(ctx context.Context, request auth.Mail) error
}

// Message is one rendered mail, ready for a Sender.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers a rendered message (internal/mail implements it with go-mail).
type Sender interface {
	Send(ctx context.Context, m Message) error
}
