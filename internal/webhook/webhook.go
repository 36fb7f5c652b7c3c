// Package webhook delivers audit events to the endpoints admins register:
// CloudEvents 1.0 in structured JSON mode, signed with HMAC-SHA256 as the
// Standard Webhooks specification describes (webhook-id, webhook-timestamp
// and webhook-signature headers), retried with exponential backoff until a
// 2xx answer or MaxAge. The deliveries are rows written in the transaction
// of the audit entry (internal/sqlite/migrations/0009_webhooks.sql), so
// each event is delivered at least once; receivers de-duplicate on the
// CloudEvent id, which stays the same across retries.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/auth"
)

// Queue is the delivery table as the worker sees it (internal/sqlite).
type Queue interface {
	ClaimDueWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.WebhookEvent, error)
	MarkWebhookDelivered(ctx context.Context, id int64, at time.Time, status int) error
	MarkWebhookRetry(ctx context.Context, id int64, next time.Time, status int, errMsg string) error
	MarkWebhookDropped(ctx context.Context, id int64, at time.Time, status int, reason string) error
}

// Options tune a Worker; zero fields take the defaults.
type Options struct {
	Source       string        // the CloudEvents source: the public base URL
	Client       *http.Client  // default: 10 s timeout, no redirects
	Logger       *slog.Logger  // default: discard
	PollInterval time.Duration // default 1 s
	Lease        time.Duration // default 1 m
	BaseBackoff  time.Duration // default 5 s
	MaxBackoff   time.Duration // default 1 h
	MaxAge       time.Duration // give up on an event this old; default 72 h
	Now          func() time.Time
}

// Worker sends due deliveries, one at a time, in order of due time.
type Worker struct {
	q   Queue
	opt Options
}

// NewWorker returns a Worker over q.
func NewWorker(q Queue, o Options) *Worker {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollInterval, time.Second)
	def(&o.Lease, time.Minute)
	def(&o.BaseBackoff, 5*time.Second)
	def(&o.MaxBackoff, time.Hour)
	def(&o.MaxAge, 72*time.Hour)
	return &Worker{q: q, opt: o}
}

// Run delivers until ctx ends; a delivery in flight is finished and
// recorded.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.opt.PollInterval)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			evs, err := w.q.ClaimDueWebhooks(ctx, w.opt.Now(), w.opt.Lease, 10)
			if err != nil {
				if ctx.Err() == nil {
					w.opt.Logger.Error("webhook: claim", "err", err.Error())
				}
				break
			}
			for _, ev := range evs {
				w.deliver(context.WithoutCancel(ctx), ev)
			}
			if len(evs) < 10 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Event is the CloudEvents 1.0 envelope of an audit entry.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            EventData `json:"data"`
}

// EventData is the audit entry. The client's IP and user agent are left
// out: receivers get what happened, not who browsed from where.
type EventData struct {
	Action    string `json:"action"`
	ActorID   int64  `json:"actor_id,omitempty"`
	SubjectID int64  `json:"subject_id,omitempty"`
	GrantID   int64  `json:"grant_id,omitempty"`
	Detail    string `json:"detail"`
}

// NewEvent builds the CloudEvent of an audit entry; its id is stable
// ("audit-<entry id>"), the same for every endpoint and every retry.
func NewEvent(source string, e auth.AuditEntry) Event {
	ev := Event{SpecVersion: "1.0", ID: "audit-" + strconv.FormatInt(e.ID, 10), Source: source,
		Type: "com.gatehouse.audit." + e.Action, Time: e.At.UTC(), DataContentType: "application/json",
		Data: EventData{Action: e.Action, ActorID: e.ActorID, SubjectID: e.SubjectID, GrantID: e.GrantID, Detail: e.Detail}}
	if e.SubjectID != 0 {
		ev.Subject = "members/" + strconv.FormatInt(e.SubjectID, 10)
	}
	return ev
}

// Sign returns the webhook-signature value for body: "v1," and the base64
// HMAC-SHA256 of "<id>.<timestamp>.<body>" under secret.
func Sign(secret []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (w *Worker) deliver(ctx context.Context, ev auth.WebhookEvent) {
	log := w.opt.Logger.With("delivery_id", ev.DeliveryID, "attempt", ev.Attempts+1)
	ce := NewEvent(w.opt.Source, ev.Entry)
	body, err := json.Marshal(ce)
	if err != nil {
		w.record(ctx, log, ev, 0, err)
		return
	}
	now := w.opt.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.URL, bytes.NewReader(body))
	if err != nil {
		w.record(ctx, log, ev, 0, err)
		return
	}
	req.Header.Set("Content-Type", "application/cloudevents+json")
	req.Header.Set("User-Agent", "Gatehouse-Webhooks/1")
	req.Header.Set("webhook-id", ce.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(ev.Secret, ce.ID, now.Unix(), body))
	resp, err := w.opt.Client.Do(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if status < 200 || status > 299 {
			err = fmt.Errorf("answered %d", status)
		}
	}
	w.record(ctx, log, ev, status, err)
}

// record stores the outcome: delivered, retry with backoff, or dropped
// once the event is older than MaxAge.
func (w *Worker) record(ctx context.Context, log *slog.Logger, ev auth.WebhookEvent, status int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := w.opt.Now()
	switch {
	case err == nil:
		if err := w.q.MarkWebhookDelivered(ctx, ev.DeliveryID, now, status); err != nil {
			log.Error("webhook: mark delivered", "err", err.Error())
		}
	case now.Sub(ev.CreatedAt) > w.opt.MaxAge:
		log.Warn("webhook: giving up", "err", err.Error())
		if err := w.q.MarkWebhookDropped(ctx, ev.DeliveryID, now, status, "gave up: "+err.Error()); err != nil {
			log.Error("webhook: mark dropped", "err", err.Error())
		}
	default:
		d := w.opt.BaseBackoff
		for i := 0; i < ev.Attempts && d < w.opt.MaxBackoff; i++ {
			d *= 2
		}
		d = min(d, w.opt.MaxBackoff)
		if j := int64(d / 10); j > 0 {
			d += time.Duration(rand.Int64N(j))
		}
		log.Warn("webhook: delivery failed, will retry", "err", err.Error(), "retry_in", d.String())
		if err := w.q.MarkWebhookRetry(ctx, ev.DeliveryID, now.Add(d), status, err.Error()); err != nil {
			log.Error("webhook: mark retry", "err", err.Error())
		}
	}
}
