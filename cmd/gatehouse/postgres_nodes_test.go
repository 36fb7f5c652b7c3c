package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"gatehouse/internal/pgtest"
)

// pgNodes starts n "gatehouse serve" nodes on one fresh PostgreSQL database.
func pgNodes(t *testing.T, n int, extra env) []*server {
	t.Helper()
	db := pgtest.DB(t)
	nodes := make([]*server, n)
	for i := range nodes {
		e := env{"GATEHOUSE_DB": db, "GATEHOUSE_SECRET_KEY": testSecretKey}
		for k, v := range extra {
			e[k] = v
		}
		nodes[i] = startServer(t, e)
	}
	return nodes
}

// bearer makes a request with an access token and returns the status.
func bearer(t *testing.T, c *http.Client, method, u, token string) int {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// directusTokens reads the tokens of a directus login or refresh answer.
func directusTokens(t *testing.T, what string, r reply) (access, refresh string) {
	t.Helper()
	var out struct {
		Data struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		} `json:"data"`
	}
	if r.err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil || out.Data.AccessToken == "" {
		t.Fatalf("%s: %d %v %s", what, r.status, r.err, r.body)
	}
	return out.Data.AccessToken, out.Data.RefreshToken
}

// Three nodes, one bearer session: sign in on A, refresh on B, log out on
// C; A and B refuse both access tokens at the very next request (nodes keep
// no cache of tokens that another node's logout could leave stale).
func TestE2EPostgresThreeNodesSignInRefreshLogout(t *testing.T) {
	nodes := pgNodes(t, 3, nil)
	a, b, c := nodes[0], nodes[1], nodes[2]
	if _, stderr, err := runBinary(t, a.env, "member", "create", "--email", "ada@example.com", "--password", strongPassword); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	ctx := context.Background()
	hc := loadClient(4, 30*time.Second)
	access1, refresh1 := directusTokens(t, "login on A", send(ctx, hc, "POST", a.base+"/auth/login",
		map[string]string{"email": "ada@example.com", "password": strongPassword}))
	for _, n := range nodes {
		if st := bearer(t, hc, "GET", n.base+"/users/me", access1); st != http.StatusOK {
			t.Fatalf("GET /users/me on %s with A's token: %d", n.base, st)
		}
	}
	access2, refresh2 := directusTokens(t, "refresh on B", send(ctx, hc, "POST", b.base+"/auth/refresh",
		map[string]string{"refresh_token": refresh1, "mode": "json"}))
	if st := bearer(t, hc, "GET", a.base+"/users/me", access2); st != http.StatusOK {
		t.Fatalf("GET /users/me on A with B's refreshed token: %d", st)
	}
	if r := send(ctx, hc, "POST", c.base+"/auth/logout", map[string]string{"refresh_token": refresh2}); r.status != http.StatusNoContent && r.status != http.StatusOK {
		t.Fatalf("logout on C: %d %v %s", r.status, r.err, r.body)
	}
	for _, n := range []*server{a, b} {
		for i, tok := range []string{access1, access2} {
			if st := bearer(t, hc, "GET", n.base+"/users/me", tok); st != http.StatusUnauthorized {
				t.Errorf("GET /users/me on %s with access token %d after logout on C: %d, want 401", n.base, i+1, st)
			}
		}
	}
	if r := send(ctx, hc, "POST", a.base+"/auth/refresh", map[string]string{"refresh_token": refresh2, "mode": "json"}); r.status == http.StatusOK {
		t.Errorf("refresh on A after logout on C: 200, want refused")
	}
}

// kill -9 of one node during a stream of registrations spread over three
// nodes loses no acknowledged row: every registration answered 201, by any
// node (the killed one included, before it died), signs in afterwards.
func TestE2EPostgresKillNodeLosesNoRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	nodes := pgNodes(t, 3, env{"GATEHOUSE_IP_RATE_LIMIT": "off"})
	ctx := context.Background()
	hc := loadClient(16, 15*time.Second)
	var (
		mu    sync.Mutex
		acked []credentials
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				n := nodes[(g+k)%3]
				cr := credentials{fmt.Sprintf("reg-%d-%04d@example.com", g, k), fmt.Sprintf("reg-%d-%04d-%s", g, k, strongPassword)}
				if r := send(ctx, hc, "POST", n.base+"/auth/register", registerBody("Node Tester", cr.email, cr.password)); r.status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, cr)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := nodes[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-nodes[0].exited
	time.Sleep(500 * time.Millisecond) // the stream goes on against B and C
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d registrations acknowledged: the stream did not run", len(acked))
	}
	t.Logf("%d registrations acknowledged across the kill", len(acked))
	sem := make(chan struct{}, 8)
	for i, cr := range acked {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			n := nodes[1+i%2]
			if _, _, r := wmeLogin(ctx, hc, n.base, cr.email, cr.password); r.status != http.StatusOK {
				t.Errorf("acknowledged registration %s does not sign in on %s: %d %v %s", cr.email, n.base, r.status, r.err, r.body)
			}
		}()
	}
	wg.Wait()
}
