package web

import (
	"io"
	"net"
	"sync"
	"time"
)

// Lingering close. The server answers an oversized body with 413 from its
// headers alone (never reading or buffering the body) and closes the
// connection. Closing a socket whose receive buffer still holds data makes
// the kernel send a reset, and a client still sending its body then gets
// "connection reset by peer" — its TCP stack discards the 413 it had
// received. Apache and nginx call the cure a lingering close: shut the
// write side (the client reads the answer, then end of stream), read and
// discard what the client still sends for a short while, then close.

const (
	lingerTimeout = 2 * time.Second // how long a closed connection is drained
	lingerMax     = 16 << 20        // and how much of it at most
)

// Listener wraps ln so that every connection the server closes lingers.
// Serve the app with it (cmd/gatehouse does).
func Listener(ln net.Listener) net.Listener { return lingerListener{ln} }

type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &lingerConn{TCPConn: tc}, nil
	}
	return c, err
}

type lingerConn struct {
	*net.TCPConn
	once sync.Once
}

// Close half-closes at once and fully closes in the background, after the
// client stopped sending or lingerTimeout passed. It never blocks the
// server's goroutine.
func (c *lingerConn) Close() error {
	var err error
	c.once.Do(func() {
		if err = c.TCPConn.CloseWrite(); err != nil {
			err = c.TCPConn.Close()
			return
		}
		go func() {
			_ = c.TCPConn.SetReadDeadline(time.Now().Add(lingerTimeout))
			_, _ = io.CopyN(io.Discard, c.TCPConn, lingerMax)
			_ = c.TCPConn.Close()
		}()
	})
	return err
}
