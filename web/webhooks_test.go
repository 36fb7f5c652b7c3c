package web_test

import (
	"context"
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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/webhook"
)

// receiver is a real HTTP endpoint in the test process that checks every
// delivery's Standard Webhooks signature and answers 503 to the first
// attempt of each event, 204 to the later ones.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	secret []byte
	seen   map[string]int // CloudEvent id → attempts received
	events map[string]webhook.Event
	bad    []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	m := hmac.New(sha256.New, rc.secret)
	fmt.Fprintf(m, "%s.%s.", id, ts)
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if !hmac.Equal([]byte(r.Header.Get("webhook-signature")), []byte(want)) || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		rc.bad = append(rc.bad, "bad signature or timestamp on "+id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != id || r.Header.Get("Content-Type") != "application/cloudevents+json" {
		rc.bad = append(rc.bad, fmt.Sprintf("bad CloudEvent %s: %v %s", id, err, body))
	}
	rc.seen[id]++
	rc.events[id] = ev
	if rc.seen[id] == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var secretRE = regexp.MustCompile(`data-testid="webhook-secret-value">([^<]+)<`)

// TestWebhooksDeliverSignedCloudEvents: an Account Owner registers an
// endpoint on the admin page and gets its secret once; audit events then
// reach a real receiver as signed CloudEvents, a refused attempt is
// retried with the same id, and the page shows the deliveries.
func TestWebhooksDeliverSignedCloudEvents(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	rc := &receiver{t: t, seen: map[string]int{}, events: map[string]webhook.Event{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	// Refusals first: a non-https URL elsewhere than loopback, and a
	// User Administrator (not an Account Owner).
	r := b.submit("/admin/webhooks", "/admin/webhooks", url.Values{"url": {"http://hooks.example.com/x"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	e.addMember("useradmin@example.com", auth.RoleAdmin)
	ub := e.browser()
	ub.mustLogin("useradmin@example.com", goodPassword)
	expectStatus(t, ub.get("/admin/webhooks"), http.StatusForbidden)

	r = b.submit("/admin/webhooks", "/admin/webhooks", url.Values{"url": {srv.URL + "/hook"}})
	expectStatus(t, r, http.StatusCreated)
	m := secretRE.FindStringSubmatch(r.body)
	if m == nil || !strings.HasPrefix(m[1], auth.WebhookSecretPrefix) {
		t.Fatalf("no secret on the page:\n%.3000s", r.body)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(html.UnescapeString(m[1]), auth.WebhookSecretPrefix))
	if err != nil || len(secret) != 32 {
		t.Fatalf("secret %q: %v", m[1], err)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	if p := b.get("/admin/webhooks"); strings.Contains(p.body, m[1]) {
		t.Fatal("the secret is shown again")
	}

	g, err := e.svc.AdminCreateGroup(context.Background(), cli, "Hooked", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := webhook.NewWorker(e.store, webhook.Options{Source: e.baseURL, PollInterval: 20 * time.Millisecond, BaseBackoff: 50 * time.Millisecond})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(20 * time.Second)
	var groupEvent webhook.Event
	for {
		rc.mu.Lock()
		var got int
		for id, n := range rc.seen {
			if n >= 2 {
				got++
			}
			if rc.events[id].Data.Action == auth.AuditGroupCreate {
				groupEvent = rc.events[id]
			}
		}
		bad := rc.bad
		rc.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("receiver: %v", bad)
		}
		if got >= 2 { // webhook.create and group.create, each retried once
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not completed: %v", rc.seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if groupEvent.SpecVersion != "1.0" || groupEvent.Type != "com.gatehouse.audit.group.create" || groupEvent.Source != e.baseURL ||
		!strings.HasPrefix(groupEvent.ID, "audit-") || !strings.Contains(groupEvent.Data.Detail, g.Name) {
		t.Fatalf("group event: %+v", groupEvent)
	}
	// The worker records the 2xx a moment after the receiver answered.
	for {
		p := b.get("/admin/webhooks")
		expectStatus(t, p, http.StatusOK)
		n := strings.Count(p.body, `data-testid="delivery-state">delivered`)
		if n == 2 && strings.Count(p.body, "<td>2</td>") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries shown as delivered:\n%.4000s", n, p.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	eps, _, err := e.svc.AdminWebhooks(context.Background(), cli, 10)
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints: %v %v", eps, err)
	}
	followFlash(t, b, b.submit("/admin/webhooks", "/admin/webhooks/"+strconv.FormatInt(eps[0].ID, 10)+"/delete", nil), "removed")
	if eps, ds, _ := e.svc.AdminWebhooks(context.Background(), cli, 10); len(eps) != 0 || len(ds) != 0 {
		t.Fatalf("after removal: %d endpoints, %d deliveries", len(eps), len(ds))
	}
}
