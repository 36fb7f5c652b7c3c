//go:build unix

package sqlite

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// walHeader watches the WAL index header in the database's -shm file, which
// every connection of every process updates on each commit (SQLite's WAL
// format: two copies of a 48-byte header at the start of the file, holding
// a change counter, the last valid frame and the WAL's salts). Reading it
// from a shared read-only mapping costs a memory copy, so the read cache
// can ask "did anyone commit?" before every lookup for free, where
// PRAGMA data_version costs a query.
//
// A commit updates the header before it returns to its caller, so a lookup
// that starts after another process acknowledged a change finds a header
// different from the one it saw last. A torn read only shows a difference
// (an invalidation, never a missed change).
type walHeader struct {
	path string

	mu   sync.Mutex
	mem  []byte   // the mapping; nil until mapped
	last [96]byte // both header copies as last seen
}

// walHeaderSize is the part of the -shm file compared: two header copies.
const walHeaderSize = 96

func newWALHeader(dbPath string) *walHeader { return &walHeader{path: dbPath + "-shm"} }

// changed reports whether the header differs from the last call's; ok is
// false when the file cannot be read that way (the caller falls back).
func (w *walHeader) changed() (changed, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.mem == nil {
		if err := w.mapFile(); err != nil {
			return false, false
		}
	}
	var now [walHeaderSize]byte
	copy(now[:], w.mem[:walHeaderSize])
	changed = now != w.last
	w.last = now
	return changed, true
}

func (w *walHeader) mapFile() error {
	f, err := os.Open(w.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < walHeaderSize {
		return errors.New("sqlite: -shm file not initialised yet")
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return err
	}
	w.mem = mem
	// The first comparison must not vouch for anything seen before it.
	w.last = [walHeaderSize]byte{}
	return nil
}

func (w *walHeader) close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.mem == nil {
		return nil
	}
	err := syscall.Munmap(w.mem)
	w.mem = nil
	return err
}
