package main

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunServeJanitor: serve limits anonymous kuroco tokens per client and
// runs the janitor on its interval, which deletes the expired tokens; the
// janitor stops with the server.
func TestRunServeJanitor(t *testing.T) {
	e := dbEnv(t)
	e["GATEHOUSE_ADDR"] = "127.0.0.1:0"
	e["GATEHOUSE_JANITOR_INTERVAL"] = "1s"
	e["GATEHOUSE_KUROCO_ACCESS_TTL"] = "1"
	e["GATEHOUSE_ANON_TOKEN_LIMIT"] = "5"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e.get, &stdout, &stderr) }()
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == ""; {
		if m := listeningRE.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	statuses := map[int]int{}
	for range 8 {
		resp, err := http.Post("http://"+addr+"/rcms-api/1/token", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if statuses[200] != 5 || statuses[429] != 3 {
		t.Fatalf("statuses %v, want 5 × 200 and 3 × 429", statuses)
	}
	// The tokens live one second; the runs after that delete all five.
	for deadline := time.Now().Add(20 * time.Second); sweptAnonymous(stderr.String()) < 5; {
		if time.Now().After(deadline) {
			t.Fatalf("no janitor run deleted the five tokens; log:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve (with its janitor) did not stop within 20 s")
	}
}

var sweptRE = regexp.MustCompile(`msg=janitor .*anonymous_tokens=(\d+)`)

// sweptAnonymous adds up the anonymous tokens the janitor's log lines report.
func sweptAnonymous(log string) int {
	n := 0
	for _, m := range sweptRE.FindAllStringSubmatch(log, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}
