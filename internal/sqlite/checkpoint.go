package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite's automatic checkpoint runs inside the commit that crosses 1,000
// WAL pages: roughly every hundredth login paid for copying the WAL into
// the database and an fsync of it, and so did the request queued behind it
// on the single writer (login p99 went from about 40 to 75 ms). The writer
// therefore has wal_autocheckpoint off, and this checkpointer runs PASSIVE
// checkpoints on its own connection shortly after commits. A PASSIVE
// checkpoint never blocks the writer or readers; the WAL restarts from the
// beginning once a checkpoint has caught up, and journal_size_limit trims
// the file then.
//
// Durability does not depend on it: a commit is durable in the WAL, and a
// crash before a checkpoint loses nothing.

// checkpointDelay batches the commits of a burst into one checkpoint.
const checkpointDelay = 250 * time.Millisecond

// restartFrames is the WAL length (in frames: 64 MiB of 4 KiB pages) from
// which the writer restarts the WAL between two batches. Under writes that
// never pause, a PASSIVE checkpoint never catches up with the end of the
// WAL, so SQLite never starts it over: a sustained refresh load grew it to
// 640 MB, and every read grew slower with it. A RESTART checkpoint run by
// the writer itself (groupcommit.go) copies what PASSIVE has not yet and
// makes the next commit start the WAL from the beginning, which
// journal_size_limit then trims to 64 MiB.
var restartFrames int64 = 16384 // a variable for tests

type checkpointer struct {
	// restart asks the writer for a RESTART checkpoint between batches.
	restart   atomic.Bool
	restartAt int64 // restartFrames when it was made
	db        *sql.DB
	dirty     chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closed    sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{restartAt: restartFrames, db: db, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that the WAL grew.
func (c *checkpointer) committed() {
	select {
	case c.dirty <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.dirty:
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointDelay):
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		// An error (another checkpointer, a process closing) leaves the
		// frames for the next round; the data is safe in the WAL anyway.
		var busy, log, done int64
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done)
		cancel()
		if err == nil && log >= c.restartAt {
			c.restart.Store(true)
		}
	}
}

// close stops the goroutine and closes the connection.
func (c *checkpointer) close() error {
	c.closed.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
