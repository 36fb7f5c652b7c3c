package sqlite

import (
	"database/sql"
	"fmt"
	"time"
)

// SeedMembers fills the migrated database at path with n members, for
// benchmarks that need a large member base (the member list at 100,000):
// userI@example.com, username userI, "User Number I", Makers of the root
// group, statuses rotating through active (half), suspended, invited and
// password_reset_required, no password. It writes in one transaction on
// its own connection, much faster than n service calls, and runs ANALYZE.
// It is not for a database a server has open.
func SeedMembers(path string, n int) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?_busy_timeout=10000&_txlock=immediate&_foreign_keys=1")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	mem, err := tx.Prepare(`INSERT INTO members (email, email_key, email_verified, username, name, first_name, last_name, status, created_at, updated_at)
		VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	role, err := tx.Prepare(`INSERT INTO member_roles (member_id, group_id, role_id) VALUES (?, 1, 3)`)
	if err != nil {
		return err
	}
	statuses := []string{"active", "active", "active", "suspended", "invited", "password_reset_required"}
	base := time.Now().Add(-24 * time.Hour).UnixMilli()
	for i := range n {
		email := fmt.Sprintf("user%d@example.com", i)
		res, err := mem.Exec(email, email, fmt.Sprintf("user%d", i), fmt.Sprintf("User Number %d", i),
			"User", fmt.Sprintf("Number%d", i), statuses[i%len(statuses)], base+int64(i), base+int64(i))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := role.Exec(id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.Exec(`ANALYZE`)
	return err
}

// SeedAudit appends n audit entries straight into the database at path (for
// the audit benchmark and the query-plan test): actors and subjects cycle
// over member ids 1..members, actions over the authentication events and a
// few admin ones, times over the last 30 days in id order. It runs ANALYZE
// afterwards, as a long-lived database would have statistics.
func SeedAudit(path string, n, members int) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(`INSERT INTO audit_log (at, actor_id, subject_id, action, detail, ip, user_agent, door, result)
		VALUES (?, ?, ?, ?, '', '192.0.2.1', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', ?, ?)`)
	if err != nil {
		return err
	}
	actions := []struct{ action, result string }{
		{"auth.signin", "ok"}, {"auth.signin", "ok"}, {"auth.signin", "ok"}, {"auth.signout", "ok"},
		{"auth.signin_failed", "failed"}, {"auth.mfa_failed", "failed"}, {"reset.requested", "ok"},
		{"password.changed", "ok"}, {"member.update", "ok"}, {"proxy.start", "ok"},
	}
	doors := []string{"page", "kuroco", "wme", "kotive", "directus", "openapi"}
	members = max(members, 1)
	span := int64(30 * 24 * time.Hour / time.Millisecond)
	start := time.Now().UnixMilli() - span
	for i := range n {
		a := actions[i%len(actions)]
		member := int64(1 + (i*7919)%members)
		if _, err := ins.Exec(start+span*int64(i)/int64(max(n, 1)), member, member, a.action, doors[i%len(doors)], a.result); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.Exec(`ANALYZE`)
	return err
}
