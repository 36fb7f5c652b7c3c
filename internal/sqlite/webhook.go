package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"gatehouse/internal/auth"
)

// webhookSecretField binds sealed endpoint secrets to their row.
const webhookSecretField = "webhook_endpoints.secret"

// CreateWebhook inserts e (setting e.ID) with its secret sealed; the
// trigger of 0009_webhooks.sql gives it every later audit entry.
func (t *tx) CreateWebhook(ctx context.Context, e *auth.WebhookEndpoint, secret []byte, by int64) error {
	id, err := t.insert(ctx, "create webhook", `INSERT INTO webhook_endpoints (url, created_at, created_by) VALUES (?, ?, ?)`,
		e.URL, toMillis(e.CreatedAt), nullID(by))
	if err != nil {
		return err
	}
	sealed, err := sealField(t.key, webhookSecretField, strconv.FormatInt(id, 10), secret)
	if err != nil {
		return fmt.Errorf("sqlite: seal webhook secret: %w", err)
	}
	if err := t.exec(ctx, "create webhook", `UPDATE webhook_endpoints SET secret = ? WHERE id = ?`, sealed, id); err != nil {
		return err
	}
	e.ID = id
	return nil
}

// DeleteWebhook removes the endpoint and (cascade) its deliveries.
func (t *tx) DeleteWebhook(ctx context.Context, id int64) error {
	return t.execOne(ctx, "delete webhook", "Webhook", `DELETE FROM webhook_endpoints WHERE id = ?`, id)
}

// ListWebhooks returns the endpoints, oldest first, without secrets.
func (r queries) ListWebhooks(ctx context.Context) ([]auth.WebhookEndpoint, error) {
	return queryAll(ctx, r.q, func(row rowScanner) (auth.WebhookEndpoint, error) {
		var (
			e  auth.WebhookEndpoint
			at int64
		)
		err := row.Scan(&e.ID, &e.URL, &at)
		e.CreatedAt = fromMillis(at)
		return e, err
	}, "list webhooks", `SELECT id, url, created_at FROM webhook_endpoints ORDER BY id`)
}

// ListWebhookDeliveries returns the latest deliveries, newest first.
func (r queries) ListWebhookDeliveries(ctx context.Context, limit int) ([]auth.WebhookDelivery, error) {
	return queryAll(ctx, r.q, func(row rowScanner) (auth.WebhookDelivery, error) {
		var (
			d                  auth.WebhookDelivery
			created, next      int64
			delivered, dropped sql.NullInt64
			action             sql.NullString
		)
		err := row.Scan(&d.ID, &d.EndpointID, &d.URL, &d.AuditID, &action, &created, &d.Attempts, &d.LastStatus,
			&d.LastError, &next, &delivered, &dropped)
		d.Action = action.String
		d.CreatedAt, d.NextAttempt = fromMillis(created), fromMillis(next)
		d.DeliveredAt, d.DroppedAt = timePtr(delivered), timePtr(dropped)
		return d, err
	}, "list webhook deliveries", `SELECT d.id, d.endpoint_id, e.url, d.audit_id, a.action, d.created_at, d.attempts,
		d.last_status, d.last_error, d.next_attempt_at, d.delivered_at, d.dropped_at
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
		LEFT JOIN audit_log a ON a.id = d.audit_id
		ORDER BY d.id DESC LIMIT ?`, limit)
}

// ClaimDueWebhooks leases up to limit due deliveries, oldest first, with
// their endpoint, opened secret and audit entry. A delivery whose entry is
// gone or whose secret does not open is dropped on the spot.
func (s *Store) ClaimDueWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.WebhookEvent, error) {
	// Look on the read pool first: the worker polls every second, and a
	// writer transaction per poll would queue behind (and flush the read
	// cache of) real writes for nothing on the many servers without
	// endpoints.
	var due bool
	if err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		WHERE delivered_at IS NULL AND dropped_at IS NULL AND next_attempt_at <= ?1
		  AND (claimed_until IS NULL OR claimed_until <= ?1))`, toMillis(now)).Scan(&due); err != nil {
		return nil, wrap("claim due webhooks", err)
	}
	if !due {
		return nil, nil
	}
	var out []auth.WebhookEvent
	err := s.write(ctx, func(q queryer) error {
		out = nil
		rows, err := q.QueryContext(ctx, `SELECT d.id, d.attempts, d.created_at, e.id, e.url, e.secret,
				a.id, a.at, a.actor_id, a.subject_id, a.action, a.detail, a.grant_id
			FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			LEFT JOIN audit_log a ON a.id = d.audit_id
			WHERE d.delivered_at IS NULL AND d.dropped_at IS NULL AND d.next_attempt_at <= ?1
			  AND (d.claimed_until IS NULL OR d.claimed_until <= ?1)
			ORDER BY d.next_attempt_at, d.id LIMIT ?2`, toMillis(now), limit)
		if err != nil {
			return err
		}
		bad := map[int64]string{}
		var claimed []auth.WebhookEvent
		for rows.Next() {
			var (
				ev                    auth.WebhookEvent
				created, endpointID   int64
				sealed                []byte
				auditID, at           sql.NullInt64
				actor, subject, grant sql.NullInt64
				action, detail        sql.NullString
			)
			if err := rows.Scan(&ev.DeliveryID, &ev.Attempts, &created, &endpointID, &ev.URL, &sealed,
				&auditID, &at, &actor, &subject, &action, &detail, &grant); err != nil {
				rows.Close()
				return err
			}
			ev.CreatedAt = fromMillis(created)
			ev.Entry = auth.AuditEntry{ID: auditID.Int64, At: fromMillis(at.Int64), ActorID: actor.Int64,
				SubjectID: subject.Int64, Action: action.String, Detail: detail.String, GrantID: grant.Int64}
			ev.Secret, err = openField(s.key, webhookSecretField, strconv.FormatInt(endpointID, 10), sealed)
			switch {
			case !auditID.Valid:
				bad[ev.DeliveryID] = "the audit entry is gone"
			case err != nil:
				bad[ev.DeliveryID] = "sqlite: " + err.Error()
			}
			claimed = append(claimed, ev)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		until := toMillis(now.Add(lease))
		for _, ev := range claimed {
			if reason, isBad := bad[ev.DeliveryID]; isBad {
				_, err = q.ExecContext(ctx, `UPDATE webhook_deliveries SET dropped_at = ?, last_error = ? WHERE id = ?`,
					toMillis(now), reason, ev.DeliveryID)
			} else {
				_, err = q.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?`, until, ev.DeliveryID)
				out = append(out, ev)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim due webhooks", err)
	}
	return out, nil
}

// MarkWebhookDelivered records a 2xx answer.
func (s *Store) MarkWebhookDelivered(ctx context.Context, id int64, at time.Time, status int) error {
	return s.markWebhook(ctx, `UPDATE webhook_deliveries SET delivered_at = ?, last_status = ?, last_error = '',
		attempts = attempts + 1, claimed_until = NULL WHERE id = ?`, toMillis(at), status, id)
}

// MarkWebhookRetry records a failed attempt and schedules the next.
func (s *Store) MarkWebhookRetry(ctx context.Context, id int64, next time.Time, status int, errMsg string) error {
	return s.markWebhook(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,
		attempts = attempts + 1, claimed_until = NULL WHERE id = ?`, toMillis(next), status, truncateErr(errMsg), id)
}

// MarkWebhookDropped gives up on a delivery.
func (s *Store) MarkWebhookDropped(ctx context.Context, id int64, at time.Time, status int, reason string) error {
	return s.markWebhook(ctx, `UPDATE webhook_deliveries SET dropped_at = ?, last_status = ?, last_error = ?,
		attempts = attempts + 1, claimed_until = NULL WHERE id = ?`, toMillis(at), status, truncateErr(reason), id)
}

func (s *Store) markWebhook(ctx context.Context, query string, args ...any) error {
	return s.write(ctx, func(q queryer) error {
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlite: mark webhook: %w", err)
		}
		return rowsAffected(res, "Webhook delivery")
	})
}

func truncateErr(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}
