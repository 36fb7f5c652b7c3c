package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
	"gatehouse/internal/smtptest"
)

const testSecretKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// Two "gatehouse serve" nodes on one PostgreSQL database: a browser
// session opened on A is valid on B (sessions live in the database), and a
// logout on B ends it on A at the very next request.
func TestE2EPostgresTwoNodes(t *testing.T) {
	db := pgtest.DB(t)
	e := func() env { return env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey} }
	a := startServer(t, e())
	b := startServer(t, e())

	if _, stderr, err := runBinary(t, e(), "member", "create", "--email", "ada@example.com",
		"--password", strongPassword, "--name", "Ada Lovelace"); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	// The cookie jar ignores ports, so one client carries the session to
	// both nodes, as a browser would behind one reverse proxy.
	c := newClient(t)
	resp, body := login(t, c, a.base, "ada@example.com", strongPassword)
	wantRedirect(t, resp, body, "/account")
	for _, n := range []*server{a, b} {
		if status, body := get(t, c, n.base+"/account"); status != http.StatusOK || !strings.Contains(body, "Ada Lovelace") {
			t.Fatalf("GET %s/account after signing in on A: %d", n.base, status)
		}
	}
	token := csrfFrom(t, c, b.base+"/account")
	if resp, body := postForm(t, c, b.base+"/logout", url.Values{"_csrf": {token}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /logout on B: %d\n%s", resp.StatusCode, body)
	}
	// Replay the old cookie: the session row is gone for every node.
	for _, n := range []*server{a, b} {
		if status, _ := get(t, c, n.base+"/account"); status != http.StatusSeeOther {
			t.Errorf("GET %s/account after logging out on B: %d, want 303 to /login", n.base, status)
		}
	}
}

// Without the shared sealing key a PostgreSQL node refuses to start: a
// key made up per node would leave the nodes unable to read each other's
// secrets.
func TestE2EPostgresNeedsSecretKey(t *testing.T) {
	db := pgtest.DB(t)
	_, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "migrate")
	if err == nil || !strings.Contains(stderr, "GATEHOUSE_SECRET_KEY") {
		t.Fatalf("migrate without a key: err %v, stderr %q; want a refusal naming GATEHOUSE_SECRET_KEY", err, stderr)
	}
	out, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey}, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate with the key: %v\n%s%s", err, out, stderr)
	}
}

// Ten wrong passwords spread over three nodes, each from its own client
// IP (so no per-IP limit applies), lock the account on every node: the
// per-account counter lives in the shared database. A stranger with the
// right password is then refused on each node.
func TestE2EPostgresLockoutAcrossNodes(t *testing.T) {
	db := pgtest.DB(t)
	e := func() env {
		return env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey, "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1"}
	}
	if _, stderr, err := runBinary(t, e(), "member", "create", "--email", "victim@example.com", "--password", strongPassword); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	nodes := []*server{startServer(t, e()), startServer(t, e()), startServer(t, e())}
	c := loadClient(8, 30*time.Second)
	login := func(n *server, ip, pw string) reply {
		return sendFrom(c, ip, n.base+"/v1/login", map[string]string{"username": "victim@example.com", "password": pw})
	}
	for i := range 10 {
		if r := login(nodes[i%3], fmt.Sprintf("10.9.0.%d", i+1), "wrong password, surely"); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d on node %d: %d %s, want 401", i+1, i%3, r.status, r.body)
		}
	}
	for i, n := range nodes {
		if r := login(n, fmt.Sprintf("10.9.1.%d", i+1), strongPassword); r.status != http.StatusTooManyRequests {
			t.Errorf("right password from a stranger on node %d after 10 failures across the nodes: %d, want 429", i, r.status)
		}
	}
}

// 100 password-reset requests spread over three nodes, each from its own
// client IP and for its own member, reach the SMTP server exactly once
// each: every node's outbox worker claims with FOR UPDATE SKIP LOCKED.
func TestE2EPostgresResetMailOnceAcrossNodes(t *testing.T) {
	const n = 100
	db := pgtest.DB(t)
	mail := smtptest.Start(t)
	e := func() env {
		return env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey, "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
			"GATEHOUSE_SMTP_URL": mail.URL(), "GATEHOUSE_MAIL_FROM": "auth@gatehouse.test"}
	}
	nodes := []*server{startServer(t, e()), startServer(t, e()), startServer(t, e())}
	// The members go straight into the shared database: a hundred CLI runs
	// would only slow the test down.
	key, err := postgres.ParseKey(testSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(db, postgres.Options{PayloadKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx auth.Tx) error {
		for i := range n {
			m := &auth.Member{Email: fmt.Sprintf("reset%d@example.com", i), Status: auth.StatusActive}
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := loadClient(16, 30*time.Second)
	statuses := parallel(n, 12, func(i int) reply {
		return sendFrom(c, fmt.Sprintf("10.8.%d.%d", i/200, i%200+1), nodes[i%3].base+"/auth/password/request",
			map[string]string{"email": fmt.Sprintf("reset%d@example.com", i)})
	})
	if statuses[http.StatusNoContent]+statuses[http.StatusOK] != n {
		t.Fatalf("password requests: %v, want %d successes", statuses, n)
	}
	mail.WaitFor(t, n, 60*time.Second)
	// Give a duplicate, were there one, time to arrive.
	time.Sleep(2 * time.Second)
	seen := map[string]int{}
	for _, rcpt := range mail.Rcpts() {
		seen[rcpt]++
	}
	for i := range n {
		if to := fmt.Sprintf("reset%d@example.com", i); seen[to] != 1 {
			t.Errorf("%s received %d mails, want 1", to, seen[to])
		}
	}
	if len(seen) != n {
		t.Errorf("mail went to %d addresses, want %d", len(seen), n)
	}
}

// The per-IP throttle counts every node's attempts: with a limit of 6, six
// wrong passwords from one client IP spread over three nodes (each for its
// own unknown address, so no account counter is involved) use the IP's
// whole allowance, and the seventh is refused on every node.
func TestE2EPostgresIPThrottleAcrossNodes(t *testing.T) {
	db := pgtest.DB(t)
	e := func() env {
		return env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey, "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
			"GATEHOUSE_IP_RATE_LIMIT": "6"}
	}
	nodes := []*server{startServer(t, e()), startServer(t, e()), startServer(t, e())}
	c := loadClient(8, 30*time.Second)
	login := func(n *server, user string) reply {
		return sendFrom(c, "10.8.0.1", n.base+"/v1/login", map[string]string{"username": user, "password": "wrong password, surely"})
	}
	for i := range 6 {
		if r := login(nodes[i%3], fmt.Sprintf("nobody%d@example.com", i)); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d on node %d: %d %s, want 401", i+1, i%3, r.status, r.body)
		}
	}
	for i, n := range nodes {
		if r := login(n, fmt.Sprintf("someone%d@example.com", i)); r.status != http.StatusTooManyRequests {
			t.Errorf("node %d after six failures from the IP across the nodes: %d, want 429", i, r.status)
		}
	}
}
