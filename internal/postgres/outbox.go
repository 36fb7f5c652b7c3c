package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

const mailColumns = `id, kind, to_addr, payload, created_at, not_after, next_attempt_at,
	attempts, last_error, sent_at, dropped_at`

// scanMail reads one row of mailColumns and opens its payload. An
// unopenable payload (wrong key, tampered row) is returned as openErr with
// the rest of the mail filled in, so callers decide what it costs.
func scanMail(row interface{ Scan(...any) error }, key []byte) (m auth.Mail, openErr, err error) {
	var (
		payload                     []byte
		createdAt, nextAttempt      int64
		notAfter, sentAt, droppedAt sql.NullInt64
	)
	err = row.Scan(&m.ID, &m.Kind, &m.To, &payload, &createdAt, &notAfter, &nextAttempt,
		&m.Attempts, &m.LastError, &sentAt, &droppedAt)
	if err != nil {
		return auth.Mail{}, nil, err
	}
	m.CreatedAt = fromMillis(createdAt)
	m.NotAfter = timeOrZero(notAfter)
	m.NextAttemptAt = fromMillis(nextAttempt)
	m.SentAt = timePtr(sentAt)
	m.DroppedAt = timePtr(droppedAt)
	m.Data, openErr = openData(key, m.Kind, m.To, payload)
	return m, openErr, nil
}

// EnqueueMail writes m to the outbox in the caller's transaction, so the
// mail exists exactly when the change that causes it commits. Data is
// sealed (see LoadOrCreateKey). CreatedAt defaults to now and NextAttemptAt
// to CreatedAt.
func (t *tx) EnqueueMail(ctx context.Context, m auth.Mail) error {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	sealed, err := sealData(t.key, m.Kind, m.To, m.Data)
	if err != nil {
		return fmt.Errorf("postgres: enqueue mail: seal: %w", err)
	}
	return t.exec(ctx, "enqueue mail", `INSERT INTO outbox (kind, to_addr, payload, created_at,
		not_after, next_attempt_at, attempts, last_error, sent_at, dropped_at, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Kind, m.To, sealed, toMillis(m.CreatedAt), nullMillis(m.NotAfter),
		toMillis(m.NextAttemptAt), m.Attempts, m.LastError, ptrMillis(m.SentAt), ptrMillis(m.DroppedAt), m.ClientIP)
}

// ListMail returns up to limit (default 50) outbox mails, newest first,
// with Data opened. A mail whose payload cannot be opened is listed with
// nil Data rather than hiding the others. Forgot-password request rows are
// not mail (the worker resolves them, it never sends them) and are left out.
func (r queries) ListMail(ctx context.Context, limit int) ([]auth.Mail, error) {
	if limit <= 0 {
		limit = 50
	}
	scan := func(row rowScanner) (auth.Mail, error) {
		m, _, err := scanMail(row, r.key)
		return m, err
	}
	return queryAll(ctx, r.q, scan, "list mail",
		`SELECT `+mailColumns+` FROM outbox WHERE kind != '`+auth.MailResetRequest+`' ORDER BY id DESC LIMIT ?`, limit)
}

// ClaimDue leases up to limit pending mails (not sent, not dropped,
// NextAttemptAt <= now, no lease running at now) until now+lease and
// returns them oldest first with Data opened. Selecting and leasing happen
// in one immediate transaction, so two workers never claim the same row.
//
// A mail whose payload cannot be opened is not returned (the worker could
// not render it): it keeps its lease and gets the reason in LastError, so it
// is retried after the lease (say, once the right key is back) without
// blocking the rows behind it.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error) {
	return s.claim(ctx, now, lease, limit, "")
}

// ClaimRequests is ClaimDue for the forgot-password request rows only: a
// worker without a mail sender (dev mode) still resolves requests and
// leaves the mail itself in the outbox.
func (s *Store) ClaimRequests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error) {
	return s.claim(ctx, now, lease, limit, ` AND kind = '`+auth.MailResetRequest+`'`)
}

// claim leases due rows; only narrows the selection (a constant clause).
// Several nodes claim at once: FOR UPDATE SKIP LOCKED makes each pass over
// the rows another node is claiming, and under READ COMMITTED (see write) a
// row whose lease another node committed meanwhile is re-checked against
// claimed_until and left out, so each mail goes to one node only.
func (s *Store) claim(ctx context.Context, now time.Time, lease time.Duration, limit int, only string) ([]auth.Mail, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []auth.Mail
	err := s.write(ctx, func(q queryer) error {
		out = nil
		rows, err := q.QueryContext(ctx, `SELECT `+mailColumns+` FROM outbox
			WHERE sent_at IS NULL AND dropped_at IS NULL AND next_attempt_at <= ?1
			  AND (claimed_until IS NULL OR claimed_until <= ?1)`+only+`
			ORDER BY created_at, id LIMIT ?2
			FOR UPDATE SKIP LOCKED`, toMillis(now), limit)
		if err != nil {
			return err
		}
		var claimed []auth.Mail
		bad := map[int64]string{}
		for rows.Next() {
			m, openErr, err := scanMail(rows, s.key)
			if err != nil {
				rows.Close()
				return err
			}
			if openErr != nil {
				bad[m.ID] = "postgres: " + openErr.Error()
			}
			claimed = append(claimed, m)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		until := toMillis(now.Add(lease))
		for _, m := range claimed {
			if reason, isBad := bad[m.ID]; isBad {
				_, err = q.ExecContext(ctx, `UPDATE outbox SET claimed_until = ?, last_error = ? WHERE id = ?`,
					until, reason, m.ID)
			} else {
				_, err = q.ExecContext(ctx, `UPDATE outbox SET claimed_until = ? WHERE id = ?`, until, m.ID)
				out = append(out, m)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim due mail", err)
	}
	return out, nil
}

// MarkSent records delivery at at and ends the lease; the mail is never
// claimed again. A missing mail is ENOTFOUND.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.markOne(ctx, "mark mail sent",
		`UPDATE outbox SET sent_at = ?, claimed_until = NULL WHERE id = ?`, toMillis(at), id)
}

// MarkRetry counts a failed attempt, keeps errMsg, ends the lease and
// schedules the next attempt at next.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, errMsg string) error {
	return s.markOne(ctx, "mark mail retry", `UPDATE outbox SET attempts = attempts + 1,
		last_error = ?, claimed_until = NULL, next_attempt_at = ? WHERE id = ?`,
		errMsg, toMillis(next), id)
}

// MarkDropped gives up on the mail at at, keeping reason as its last error;
// it is never claimed again.
func (s *Store) MarkDropped(ctx context.Context, id int64, at time.Time, reason string) error {
	return s.markOne(ctx, "mark mail dropped", `UPDATE outbox SET dropped_at = ?, last_error = ?,
		claimed_until = NULL WHERE id = ?`, toMillis(at), reason, id)
}

// markOne runs one UPDATE of one outbox row in its own writer transaction.
func (s *Store) markOne(ctx context.Context, op, query string, args ...any) error {
	err := s.write(ctx, func(q queryer) error {
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		return rowsAffected(res, "Mail")
	})
	return wrap(op, err)
}
