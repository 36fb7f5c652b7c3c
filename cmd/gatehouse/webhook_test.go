package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestE2EWebhook drives the real binary: an Account Owner registers a
// receiver running in the test process on /admin/webhooks, then a member
// suspended from the command line (another process, the same database)
// reaches the receiver as a CloudEvent whose signature it checks.
func TestE2EWebhook(t *testing.T) {
	var (
		mu       sync.Mutex
		secret   []byte
		received []map[string]any
		bad      []string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		m := hmac.New(sha256.New, secret)
		fmt.Fprintf(m, "%s.%s.", r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"))
		m.Write(body)
		if r.Header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			bad = append(bad, "bad signature: "+string(body))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		json.Unmarshal(body, &ev)
		received = append(received, ev)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	for _, args := range [][]string{
		{"member", "create", "--email", "owner@example.com", "--password", strongPassword, "--role", "owner"},
		{"member", "create", "--email", "mo@example.com", "--password", strongPassword, "--username", "moe"},
	} {
		if _, stderr, err := runBinary(t, e, args...); err != nil {
			t.Fatal(err, stderr)
		}
	}
	s := startServer(t, e)
	c := newClient(t)
	if resp, body := login(t, c, s.base, "owner@example.com", strongPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner login: %d %s", resp.StatusCode, body)
	}
	token := csrfFrom(t, c, s.base+"/admin/webhooks")
	resp, body := postForm(t, c, s.base+"/admin/webhooks", url.Values{"_csrf": {token}, "url": {recv.URL + "/gatehouse"}}, nil)
	m := regexp.MustCompile(`data-testid="webhook-secret-value">whsec_([^<]+)<`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusCreated || m == nil {
		t.Fatalf("register: %d %.2000s", resp.StatusCode, body)
	}
	key, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = key
	mu.Unlock()

	if _, stderr, err := runBinary(t, e, "member", "suspend", "moe"); err != nil {
		t.Fatal(err, stderr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		var actions []string
		for _, ev := range received {
			if d, ok := ev["data"].(map[string]any); ok {
				actions = append(actions, fmt.Sprint(d["action"]))
			}
		}
		b := bad
		mu.Unlock()
		if len(b) > 0 {
			t.Fatal(b)
		}
		if strings.Contains(strings.Join(actions, " "), "member.status") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member.status event within 30 s; got %v", actions)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, ev := range received {
		if ev["specversion"] != "1.0" || ev["source"] != s.base || !strings.HasPrefix(fmt.Sprint(ev["id"]), "audit-") {
			t.Errorf("event %v", ev)
		}
	}
}
