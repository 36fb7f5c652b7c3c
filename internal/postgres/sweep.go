package postgres

import (
	"context"
	"fmt"
	"strings"

	"gatehouse/internal/auth"
)

// sweepStatements are, per janitor target, DELETE statements each taking
// (cutoff, limit) or (cutoff, now, limit), run in order until the batch's
// limit is spent. Each deletes through "ctid IN (… LIMIT ?)" (PostgreSQL
// has no DELETE … LIMIT) and one condition per statement, so every one
// runs off its own index of migration 0007. What makes a row dead is
// decided in internal/auth/janitor.go.
var sweepStatements = map[auth.SweepTarget][]string{
	auth.SweepAnonymous: {
		`DELETE FROM credentials WHERE ctid IN (SELECT ctid FROM credentials
			WHERE expires_at < ?1 AND kind = 'anonymous' LIMIT ?2)`,
	},
	auth.SweepCredentials: {
		`DELETE FROM credentials WHERE ctid IN (SELECT ctid FROM credentials
			WHERE expires_at < ?1 LIMIT ?2)`,
		`DELETE FROM credentials WHERE ctid IN (SELECT ctid FROM credentials
			WHERE revoked_at < ?1 LIMIT ?2)`,
		`DELETE FROM credentials WHERE ctid IN (SELECT ctid FROM credentials
			WHERE used_at < ?1 AND kind = 'grant' LIMIT ?2)`,
	},
	// The credentials of ended sessions go first, so that deleting a
	// session never cascades into an unbounded number of rows.
	auth.SweepSessions: {
		`DELETE FROM credentials WHERE ctid IN (SELECT c.ctid FROM sessions s
			JOIN credentials c ON c.session_id = s.id WHERE s.expires_at < ?1 LIMIT ?2)`,
		`DELETE FROM credentials WHERE ctid IN (SELECT c.ctid FROM sessions s
			JOIN credentials c ON c.session_id = s.id WHERE s.revoked_at < ?1 LIMIT ?2)`,
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions s WHERE s.expires_at < ?1
			AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.session_id = s.id) LIMIT ?2)`,
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions s WHERE s.revoked_at < ?1
			AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.session_id = s.id) LIMIT ?2)`,
	},
	auth.SweepOneTimeTokens: {
		`DELETE FROM one_time_tokens WHERE ctid IN (SELECT ctid FROM one_time_tokens
			WHERE expires_at < ?1 LIMIT ?2)`,
		`DELETE FROM one_time_tokens WHERE ctid IN (SELECT ctid FROM one_time_tokens
			WHERE used_at < ?1 LIMIT ?2)`,
	},
	auth.SweepMail: {
		`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < ?1 LIMIT ?2)`,
		`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE dropped_at < ?1 LIMIT ?2)`,
	},
	auth.SweepLoginFailures: {
		`DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures
			WHERE last_failure_at < ?1 AND (locked_until IS NULL OR locked_until <= ?3)
			AND (pending = 0 OR pending_at < ?1) LIMIT ?2)`,
		// The shared per-IP throttle's attempts (0003_ip_attempts.sql),
		// long out of their one-minute window.
		`DELETE FROM ip_attempts WHERE id IN (SELECT id FROM ip_attempts WHERE at < ?1 LIMIT ?2)`,
	},
	auth.SweepKnownClients: {
		`DELETE FROM known_clients WHERE (member_id, client) IN (SELECT member_id, client
			FROM known_clients WHERE last_seen_at < ?1 LIMIT ?2)`,
	},
	auth.SweepOIDCRequests: {
		`DELETE FROM oidc_requests WHERE id IN (SELECT id FROM oidc_requests
			WHERE expires_at < ?1 LIMIT ?2)`,
	},
}

// Sweep deletes at most s.Limit rows of s.Target that died before s.Before
// (auth.Sweeper) and returns how many it deleted.
func (t *tx) Sweep(ctx context.Context, s auth.Sweep) (int, error) {
	stmts, ok := sweepStatements[s.Target]
	if !ok {
		return 0, fmt.Errorf("postgres: sweep: unknown target %q", s.Target)
	}
	total := 0
	for _, q := range stmts {
		left := s.Limit - total
		if left <= 0 {
			break
		}
		res, err := t.q.ExecContext(ctx, q, namedArgs(q, s, left)...)
		if err != nil {
			return total, fmt.Errorf("postgres: sweep %s: %w", s.Target, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("postgres: sweep %s: %w", s.Target, err)
		}
		total += int(n)
	}
	return total, nil
}

// namedArgs binds the ?1 (cutoff), ?2 (limit) and, where a statement
// uses it, ?3 (now) parameters.
func namedArgs(q string, s auth.Sweep, limit int) []any {
	if strings.Contains(q, "?3") {
		return []any{toMillis(s.Before), limit, toMillis(s.Now)}
	}
	return []any{toMillis(s.Before), limit}
}
