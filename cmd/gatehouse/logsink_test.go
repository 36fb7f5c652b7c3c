package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLogSinkKeepsEveryLineInOrder: lines written from many goroutines at
// once all arrive, whole and each writer's in its order, the buffer is
// written within a flush interval without Close, and Close writes the
// rest; writes after Close go straight through.
func TestLogSinkKeepsEveryLineInOrder(t *testing.T) {
	var out syncBuffer
	s := newLogSink(&out)
	if _, err := s.Write([]byte("first\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "first\n") {
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was not written by the flusher")
		}
		time.Sleep(10 * time.Millisecond)
	}
	const writers, lines = 8, 5000 // 40,000 lines: past logMaxBuffered's worth of flushes
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(s, "w%d line %05d %s\n", w, i, strings.Repeat("x", 100))
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("after close\n")); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines+2 || got[0] != "first" || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines (first %q, last %q), want %d", len(got), got[0], got[len(got)-1], writers*lines+2)
	}
	next := make([]int, writers)
	for _, line := range got[1 : len(got)-1] {
		var w, i int
		if _, err := fmt.Sscanf(line, "w%d line %d", &w, &i); err != nil || len(line) != len("w0 line 00000 ")+100 {
			t.Fatalf("torn line %q", line)
		}
		if i != next[w] {
			t.Fatalf("writer %d: line %d after %d", w, i, next[w]-1)
		}
		next[w]++
	}
}
