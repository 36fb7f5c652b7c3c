package main

import (
	"io"
	"sync"
	"time"
)

// logSink takes the server's log lines off the request path. Under a token
// check load, writing each access-log line to stderr as it happened was
// about a sixth of the server's CPU, and its syscall ran inside the
// logger's lock, so requests queued behind each other's writes. A request
// now only appends its line to a buffer; a goroutine writes the buffer
// every flushEvery (or sooner, once it holds flushAt bytes). Nothing is
// dropped: Close writes what is left, and a writer that cannot keep up
// makes callers wait at maxBuffered rather than grow without bound.
type logSink struct {
	w      io.Writer
	mu     sync.Mutex
	room   *sync.Cond // signalled when a flush empties the buffer
	buf    []byte
	closed bool // after Close, writes go straight through
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

const (
	logFlushEvery  = 100 * time.Millisecond
	logFlushAt     = 64 << 10
	logMaxBuffered = 4 << 20
)

func newLogSink(w io.Writer) *logSink {
	s := &logSink{w: w, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.room = sync.NewCond(&s.mu)
	go s.run()
	return s
}

// Write copies p into the buffer (slog writes one whole line per call).
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	for len(s.buf) >= logMaxBuffered && !s.closed {
		s.room.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return s.w.Write(p)
	}
	s.buf = append(s.buf, p...)
	full := len(s.buf) >= logFlushAt
	s.mu.Unlock()
	if full {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

func (s *logSink) run() {
	defer close(s.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	var spare []byte
	for {
		select {
		case <-s.stop:
			s.flush(&spare)
			return
		case <-t.C:
		case <-s.kick:
		}
		s.flush(&spare)
	}
}

// flush swaps the buffer for spare and writes it outside the lock.
func (s *logSink) flush(spare *[]byte) {
	s.mu.Lock()
	out := s.buf
	s.buf = (*spare)[:0]
	s.room.Broadcast()
	s.mu.Unlock()
	if len(out) > 0 {
		_, _ = s.w.Write(out) // stderr: nowhere to report a failure
	}
	*spare = out
}

// Close writes everything buffered; later writes go straight through.
func (s *logSink) Close() error {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.mu.Lock()
		s.closed = true
		rest := s.buf
		s.buf = nil
		s.room.Broadcast()
		s.mu.Unlock()
		if len(rest) > 0 {
			_, _ = s.w.Write(rest)
		}
	})
	return nil
}
