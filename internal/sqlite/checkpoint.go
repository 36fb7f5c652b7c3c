package sqlite

import (
	"context"
	"database/sql"
	"sync"
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

type checkpointer struct {
	db     *sql.DB
	dirty  chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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
		_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
	}
}

// close stops the goroutine and closes the connection.
func (c *checkpointer) close() error {
	c.closed.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
