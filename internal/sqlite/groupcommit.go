package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"gatehouse/internal/auth"
)

// Group commit. SQLite has one writer, and with synchronous=FULL every
// COMMIT waits for an fsync of the WAL: one fsync per refresh held token
// rotation at about 900/s whatever the CPU could do. The committer runs
// every Update through one goroutine that takes the Updates already
// waiting (up to maxBatch), runs each inside a SAVEPOINT of one
// transaction, and commits them with one fsync. Nothing waits on purpose:
// an Update arriving at an idle writer runs alone at once; batches form
// only while a commit is in progress, so they cost no latency.
//
// The guarantees of a lone transaction hold for each Update:
//   - an Update whose fn fails (or panics) is rolled back to its savepoint
//     and gets its own error (or panic); the others in the batch go on;
//   - no Update returns before its writes are durable: every caller of the
//     batch waits for the one COMMIT, and if that fails they all get the
//     error (none of them was acknowledged, so none of their writes may be
//     trusted);
//   - Updates are serialized in arrival order, each seeing the writes of
//     the ones before it, exactly as one-by-one transactions would.
//
// A caller's context cancelled while its fn runs does not interrupt the
// statement (which in SQLite could roll back the whole shared transaction):
// statements run without cancellation and stay short by the Update
// contract; a context already done when its turn comes skips the fn.

// maxBatch bounds the Updates of one transaction.
const maxBatch = 128

// errClosed answers Updates after Close.
var errClosed = errors.New("sqlite: store closed")

// job is one Update waiting for the writer.
type job struct {
	ctx  context.Context
	fn   func(auth.Tx) error
	err  error
	pan  any // a panic of fn, raised again in the caller
	done chan struct{}
}

type committer struct {
	db       *sql.DB
	key      []byte
	onCommit func()
	jobs     chan *job
	stop     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	commits  atomic.Int64 // transactions committed, for tests
	restarts atomic.Int64 // WAL restarts, for tests
	// stmts are the writer's prepared statements, by query text. Only
	// the committer goroutine uses them; a query is prepared between
	// batches (the one writer connection is busy during a batch), the
	// first time it ran.
	stmts   map[string]*sql.Stmt
	missing map[string]bool
	// restart is set by the checkpointer when the WAL grew too long.
	restart *atomic.Bool
}

func newCommitter(db *sql.DB, key []byte, onCommit func(), restart *atomic.Bool) *committer {
	c := &committer{db: db, key: key, onCommit: onCommit, restart: restart, jobs: make(chan *job, maxBatch),
		stop: make(chan struct{}), stopped: make(chan struct{}),
		stmts: map[string]*sql.Stmt{}, missing: map[string]bool{}}
	go c.run()
	return c
}

// do runs fn in the next batch and returns its outcome.
func (c *committer) do(ctx context.Context, fn func(auth.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.jobs <- j:
	case <-c.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued it may run: wait for the outcome whatever ctx does.
	<-j.done
	if j.pan != nil {
		panic(j.pan)
	}
	return j.err
}

// close stops the committer after the batch in progress; queued Updates
// that did not run get errClosed.
func (c *committer) close() {
	c.once.Do(func() {
		close(c.stop)
		<-c.stopped
		for {
			select {
			case j := <-c.jobs:
				j.err = errClosed
				close(j.done)
			default:
				return
			}
		}
	})
}

func (c *committer) run() {
	defer close(c.stopped)
	defer func() {
		for _, st := range c.stmts {
			st.Close()
		}
	}()
	batch := make([]*job, 0, maxBatch)
	for {
		select {
		case <-c.stop:
			return
		case j := <-c.jobs:
			batch = append(batch[:0], j)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-c.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		c.commit(batch)
		clear(batch)
		c.prepareMissing()
		if c.restart.Swap(false) {
			// Between batches the writer holds no transaction: nothing
			// can commit while the WAL starts over (checkpoint.go).
			if _, err := c.db.Exec("PRAGMA wal_checkpoint(RESTART)"); err == nil {
				c.restarts.Add(1)
			}
		}
	}
}

// maxStmts bounds the statement cache (queries are fixed texts, a few
// hundred at most; anything beyond simply runs unprepared).
const maxStmts = 1024

// prepareMissing prepares the queries that ran unprepared in the last
// batch, now that the writer connection is free.
func (c *committer) prepareMissing() {
	for q := range c.missing {
		delete(c.missing, q)
		if len(c.stmts) >= maxStmts {
			continue
		}
		if st, err := c.db.Prepare(q); err == nil {
			c.stmts[q] = st
		}
	}
}

// stmt returns the batch transaction's use of query's prepared statement,
// or nil (noting query for preparation) when there is none yet.
func (c *committer) stmt(ctx context.Context, sqlTx *sql.Tx, query string) *sql.Stmt {
	if st, ok := c.stmts[query]; ok {
		return sqlTx.StmtContext(ctx, st)
	}
	c.missing[query] = true
	return nil
}

// commit runs batch in one transaction.
func (c *committer) commit(batch []*job) {
	defer func() {
		for _, j := range batch {
			close(j.done)
		}
	}()
	fail := func(err error) {
		for _, j := range batch {
			if j.err == nil && j.pan == nil {
				j.err = err
			}
		}
	}
	sqlTx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	defer sqlTx.Rollback() // a no-op after Commit
	t := &tx{queries: queries{q: writerTx{tx: sqlTx, c: c}, key: c.key}}
	exec := func(query string) error {
		_, err := t.q.ExecContext(context.Background(), query)
		return err
	}
	lone := len(batch) == 1
	ran := 0
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if lone {
			if j.err, j.pan = call(j.fn, t); j.err != nil || j.pan != nil {
				return // the deferred Rollback undoes it
			}
			ran++
			continue
		}
		if err := exec("SAVEPOINT batch_job"); err != nil {
			fail(fmt.Errorf("sqlite: savepoint: %w", err))
			return
		}
		j.err, j.pan = call(j.fn, t)
		if j.err != nil || j.pan != nil {
			if err := errors.Join(exec("ROLLBACK TO batch_job"), exec("RELEASE batch_job")); err != nil {
				fail(fmt.Errorf("sqlite: rollback to savepoint: %w", err))
				return
			}
			continue
		}
		if err := exec("RELEASE batch_job"); err != nil {
			fail(fmt.Errorf("sqlite: release savepoint: %w", err))
			return
		}
		ran++
	}
	if ran == 0 {
		return
	}
	// Whatever Commit answers (an error may come after the data is
	// durable), cached rows may be out of date from here on.
	defer c.onCommit()
	c.commits.Add(1)
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("sqlite: commit: %w", err))
	}
}

// call runs fn, turning a panic into a value for the caller to raise.
func call(fn func(auth.Tx) error, t *tx) (err error, pan any) {
	defer func() {
		if p := recover(); p != nil {
			pan = p
		}
	}()
	return fn(t), nil
}

// writerTx runs the statements of a batch transaction: through the
// writer's prepared statements (parsing a statement cost more than running
// it), and without their caller's cancellation (see the comment at the top
// of this file).
type writerTx struct {
	tx *sql.Tx
	c  *committer
}

func (w writerTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.c.stmt(ctx, w.tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return w.tx.ExecContext(ctx, query, args...)
}

func (w writerTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if st := w.c.stmt(ctx, w.tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return w.tx.QueryContext(ctx, query, args...)
}

func (w writerTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := w.c.stmt(ctx, w.tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return w.tx.QueryRowContext(ctx, query, args...)
}
