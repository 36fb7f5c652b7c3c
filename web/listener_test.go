package web

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestLingerConnDrainsBeforeClosing: Close returns at once with the write
// side shut (the peer reads end of stream), keeps reading what the peer
// still sends, and closes for good once the peer is done — so the peer's
// last writes are not answered with a reset.
func TestLingerConnDrainsBeforeClosing(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Listener(raw)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	client, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-accepted
	if _, ok := server.(*lingerConn); !ok {
		t.Fatalf("accepted %T, want a lingering connection", server)
	}
	if _, err := server.Write([]byte("413")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close blocked for %v", d)
	}
	// The client still sends 4 MiB after the server closed, then reads.
	if _, err := client.Write(make([]byte, 4<<20)); err != nil {
		t.Fatalf("client write after the server's close: %v (reset instead of a drain)", err)
	}
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "413" {
		t.Fatalf("client read %q, %v; want the answer then end of stream", got, err)
	}
}
