package outbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/views/email"
)

// WorkerOptions tunes a Worker; zero fields take the documented defaults.
type WorkerOptions struct {
	Logger       *slog.Logger     // default: discard
	Now          func() time.Time // default: time.Now
	PollInterval time.Duration    // how often to look for due mail; default 1s
	Lease        time.Duration    // how long a claim hides a mail from other claims; default 1m
	BaseBackoff  time.Duration    // delay after the first failure; default 2s
	MaxBackoff   time.Duration    // cap of the doubling delay; default 10m
	SendTimeout  time.Duration    // bound of one send, and of recording its outcome; default 10s
	Batch        int              // mails claimed at once; default 10
	// Resolver resolves forgot-password request rows (auth.MailResetRequest);
	// without one they stay pending.
	Resolver Resolver
}

// Worker delivers the outbox: it claims due mails, renders them with
// views/email, hands them to a Sender and records the outcome. Run one per
// process; Lease should exceed twice SendTimeout so a slow send is never
// claimed twice.
type Worker struct {
	q    Queue
	s    Sender
	opt  WorkerOptions
	log  *slog.Logger
	wake chan struct{}
}

// NewWorker returns a Worker reading q and sending through s. With a nil s
// (dev mode without SMTP) it only resolves forgot-password requests and
// leaves every mail in the outbox.
func NewWorker(q Queue, s Sender, opts WorkerOptions) *Worker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	setDefault(&opts.PollInterval, time.Second)
	setDefault(&opts.Lease, time.Minute)
	setDefault(&opts.BaseBackoff, 2*time.Second)
	setDefault(&opts.MaxBackoff, 10*time.Minute)
	setDefault(&opts.SendTimeout, 10*time.Second)
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	return &Worker{q: q, s: s, opt: opts, log: opts.Logger, wake: make(chan struct{}, 1)}
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Notify wakes the worker so mail queued just now goes out without waiting
// for the next poll. It never blocks; wake-ups coalesce.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due mail until ctx is done, then returns nil. A send in
// progress when ctx ends is finished and recorded (bounded by SendTimeout);
// mails claimed but not yet started stay leased until Lease runs out and
// are picked up again then.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(w.opt.PollInterval)
	defer timer.Stop()
	for {
		w.drain(ctx)
		timer.Reset(w.opt.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// drain claims and processes batches until none is full or ctx is done.
func (w *Worker) drain(ctx context.Context) {
	for ctx.Err() == nil {
		claim := w.q.ClaimDue
		if w.s == nil {
			claim = w.q.ClaimRequests
		}
		mails, err := claim(ctx, w.opt.Now(), w.opt.Lease, w.opt.Batch)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("outbox: claim due mail", "error", err)
			}
			return
		}
		for _, m := range mails {
			if ctx.Err() != nil {
				return
			}
			w.process(ctx, m)
		}
		if len(mails) < w.opt.Batch {
			return
		}
	}
}

// process delivers one claimed mail and records the outcome. It runs on a
// context detached from ctx's cancellation, so shutdown neither cuts a send
// in half nor loses its result. Bodies and links are never logged: they hold
// secrets.
func (w *Worker) process(ctx context.Context, m auth.Mail) {
	ctx = context.WithoutCancel(ctx)
	log := w.log.With("mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1)

	if !m.NotAfter.IsZero() && w.opt.Now().After(m.NotAfter) {
		w.drop(ctx, log, m, "expired")
		return
	}
	if m.Kind == auth.MailResetRequest {
		w.resolve(ctx, log, m)
		return
	}
	r, err := email.Render(m.Kind, m.Data)
	if err != nil {
		w.drop(ctx, log, m, "render: "+err.Error())
		return
	}

	sendCtx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	err = w.s.Send(sendCtx, Message{To: m.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML})
	cancel()

	markCtx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	defer cancel()
	switch {
	case err == nil:
		if err := w.q.MarkSent(markCtx, m.ID, w.opt.Now()); err != nil {
			log.Error("outbox: mark sent", "error", err)
			return
		}
		log.Info("outbox: mail sent")
	case IsPermanent(err):
		w.drop(markCtx, log, m, "permanent: "+err.Error())
	default:
		delay := w.backoff(m.Attempts)
		if err := w.q.MarkRetry(markCtx, m.ID, w.opt.Now().Add(delay), err.Error()); err != nil {
			log.Error("outbox: mark retry", "error", err)
		}
		log.Warn("outbox: send failed, will retry", "error", err, "retry_in", delay)
	}
}

// resolve hands a request row to the Resolver, which marks it done in the
// transaction that queues its mail; a failure (or no Resolver) schedules a
// retry like a failed send. The mail it queued is claimed by the next
// round of drain (the Resolver's commit wakes the worker).
func (w *Worker) resolve(ctx context.Context, log *slog.Logger, m auth.Mail) {
	rctx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	defer cancel()
	err := errNoResolver
	if w.opt.Resolver != nil {
		err = w.opt.Resolver.ResolveRequest(rctx, m)
	}
	log = log.With("door", m.Data["door"])
	if err == nil {
		log.Info("outbox: request resolved")
		return
	}
	delay := w.backoff(m.Attempts)
	if err := w.q.MarkRetry(rctx, m.ID, w.opt.Now().Add(delay), err.Error()); err != nil {
		log.Error("outbox: mark retry", "error", err)
	}
	log.Warn("outbox: request not resolved, will retry", "error", err, "retry_in", delay)
}

// drop gives up on m for reason and logs it.
func (w *Worker) drop(ctx context.Context, log *slog.Logger, m auth.Mail, reason string) {
	ctx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	defer cancel()
	if err := w.q.MarkDropped(ctx, m.ID, w.opt.Now(), reason); err != nil {
		log.Error("outbox: mark dropped", "error", err, "reason", reason)
		return
	}
	log.Warn("outbox: mail dropped", "reason", reason)
}

// backoff returns min(BaseBackoff*2^attempts, MaxBackoff) plus up to 10%
// jitter, so mails that failed together do not retry in lockstep.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.opt.BaseBackoff
	for i := 0; i < attempts && d < w.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opt.MaxBackoff)
	if j := int64(d / 10); j > 0 {
		d += time.Duration(rand.Int64N(j))
	}
	return d
}
