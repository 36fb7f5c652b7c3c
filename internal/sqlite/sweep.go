package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gatehouse/internal/auth"
)

// sweepStatements are, per janitor target, DELETE statements each taking
// (cutoff, limit) or (cutoff, now, limit), run in order until the batch's
// limit is spent. Each deletes through "rowid IN (… LIMIT ?)" (the driver
// has no DELETE … LIMIT) and one condition per statement, so every one
// runs off its own index of migration 0007. What makes a row dead is
// decided in internal/auth/janitor.go.
var sweepStatements = map[auth.SweepTarget][]string{
	auth.SweepAnonymous: {
		`DELETE FROM credentials WHERE rowid IN (SELECT rowid FROM credentials
			WHERE expires_at < :cutoff AND kind = 'anonymous' LIMIT :limit)`,
	},
	auth.SweepCredentials: {
		`DELETE FROM credentials WHERE rowid IN (SELECT rowid FROM credentials
			WHERE expires_at < :cutoff LIMIT :limit)`,
		`DELETE FROM credentials WHERE rowid IN (SELECT rowid FROM credentials
			WHERE revoked_at < :cutoff LIMIT :limit)`,
		`DELETE FROM credentials WHERE rowid IN (SELECT rowid FROM credentials
			WHERE used_at < :cutoff AND kind = 'grant' LIMIT :limit)`,
	},
	// The credentials of ended sessions go first, so that deleting a
	// session never cascades into an unbounded number of rows.
	auth.SweepSessions: {
		`DELETE FROM credentials WHERE rowid IN (SELECT c.rowid FROM sessions s
			JOIN credentials c ON c.session_id = s.id WHERE s.expires_at < :cutoff LIMIT :limit)`,
		`DELETE FROM credentials WHERE rowid IN (SELECT c.rowid FROM sessions s
			JOIN credentials c ON c.session_id = s.id WHERE s.revoked_at < :cutoff LIMIT :limit)`,
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions s WHERE s.expires_at < :cutoff
			AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.session_id = s.id) LIMIT :limit)`,
		`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions s WHERE s.revoked_at < :cutoff
			AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.session_id = s.id) LIMIT :limit)`,
	},
	auth.SweepOneTimeTokens: {
		`DELETE FROM one_time_tokens WHERE rowid IN (SELECT rowid FROM one_time_tokens
			WHERE expires_at < :cutoff LIMIT :limit)`,
		`DELETE FROM one_time_tokens WHERE rowid IN (SELECT rowid FROM one_time_tokens
			WHERE used_at < :cutoff LIMIT :limit)`,
	},
	auth.SweepMail: {
		`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < :cutoff LIMIT :limit)`,
		`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE dropped_at < :cutoff LIMIT :limit)`,
	},
	// login_failures is WITHOUT ROWID: its key is the primary key.
	auth.SweepLoginFailures: {
		`DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures
			WHERE last_failure_at < :cutoff AND (locked_until IS NULL OR locked_until <= :now)
			AND (pending = 0 OR pending_at < :cutoff) LIMIT :limit)`,
	},
	auth.SweepKnownClients: {
		`DELETE FROM known_clients WHERE (member_id, client) IN (SELECT member_id, client
			FROM known_clients WHERE last_seen_at < :cutoff LIMIT :limit)`,
	},
	auth.SweepOIDCRequests: {
		`DELETE FROM oidc_requests WHERE id IN (SELECT id FROM oidc_requests
			WHERE expires_at < :cutoff LIMIT :limit)`,
	},
}

// Sweep deletes at most s.Limit rows of s.Target that died before s.Before
// (auth.Sweeper) and returns how many it deleted.
func (t *tx) Sweep(ctx context.Context, s auth.Sweep) (int, error) {
	stmts, ok := sweepStatements[s.Target]
	if !ok {
		return 0, fmt.Errorf("sqlite: sweep: unknown target %q", s.Target)
	}
	total := 0
	for _, q := range stmts {
		left := s.Limit - total
		if left <= 0 {
			break
		}
		res, err := t.q.ExecContext(ctx, q, namedArgs(q, s, left)...)
		if err != nil {
			return total, fmt.Errorf("sqlite: sweep %s: %w", s.Target, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: sweep %s: %w", s.Target, err)
		}
		total += int(n)
	}
	return total, nil
}

// namedArgs binds the :cutoff, :now and :limit parameters that q uses.
func namedArgs(q string, s auth.Sweep, limit int) []any {
	var args []any
	for name, v := range map[string]any{"cutoff": toMillis(s.Before), "now": toMillis(s.Now), "limit": limit} {
		if strings.Contains(q, ":"+name) {
			args = append(args, sql.Named(name, v))
		}
	}
	return args
}
