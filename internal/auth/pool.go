package auth

import (
	"runtime"
	"sync"
	"time"
)

// DefaultHashQueueLimit is how many password hashes may wait for a slot of
// the hash pool before further ones are refused with ErrOverloaded.
const DefaultHashQueueLimit = 64

// hashRetryAfter is the wait suggested to a client refused by a full queue.
const hashRetryAfter = time.Second

// ErrOverloaded is returned by Argon2.Hash and Argon2.Verify when every slot
// of the hash pool is busy and its queue is full. It is an EUNAVAILABLE
// *Error with RetryAfter set: the transports answer 503 with Retry-After.
// Callers must not treat it as a wrong password.
var ErrOverloaded = &Error{Code: EUNAVAILABLE, Message: "The server is busy. Please try again in a moment.", RetryAfter: hashRetryAfter}

// PoolOptions size the hash pool of an Argon2.
//
// Memory bound: at most Slots argon2id computations run at once, each
// holding Params.Memory KiB, so the hashing memory is Slots × Memory KiB
// (2 cores × 19 MiB = 38 MiB with the defaults) whatever the request rate.
// Waiting requests hold only their goroutine and request (a few KiB each), and
// at most QueueLimit of them wait; the rest are refused at once.
type PoolOptions struct {
	// Slots is the number of concurrent hash computations; zero means
	// GOMAXPROCS (one per core: single-lane argon2id is CPU-bound, so more
	// would add memory without throughput).
	Slots int
	// QueueLimit is how many calls may wait for a slot; zero means
	// DefaultHashQueueLimit, a negative value means none may wait.
	QueueLimit int
}

// hashPool is a counting semaphore with a first-come, first-served queue
// and a bound on the queue's length. A sync.Mutex or a buffered channel
// gives no ordering guarantee among waiters; here a released slot is handed
// directly to the oldest waiter, so no caller can be overtaken (and starved)
// by later arrivals.
type hashPool struct {
	mu       sync.Mutex
	free     int             // idle slots; > 0 only while the queue is empty
	queue    []chan struct{} // waiters, oldest first
	maxQueue int
	slots    int // total slots, for PoolStats
}

func newHashPool(o PoolOptions) *hashPool {
	slots := o.Slots
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	if slots < 1 {
		slots = 1
	}
	q := o.QueueLimit
	switch {
	case q == 0:
		q = DefaultHashQueueLimit
	case q < 0:
		q = 0
	}
	return &hashPool{free: slots, maxQueue: q, slots: slots}
}

// acquire takes a slot, waiting in FIFO order behind earlier callers. With
// limited set and the queue full it returns ErrOverloaded without waiting.
func (p *hashPool) acquire(limited bool) error {
	p.mu.Lock()
	if p.free > 0 {
		p.free--
		p.mu.Unlock()
		return nil
	}
	if limited && len(p.queue) >= p.maxQueue {
		p.mu.Unlock()
		return ErrOverloaded
	}
	ch := make(chan struct{})
	p.queue = append(p.queue, ch)
	p.mu.Unlock()
	<-ch // the releasing caller hands its slot over
	return nil
}

// release gives the slot to the oldest waiter, or back to the pool.
func (p *hashPool) release() {
	p.mu.Lock()
	if len(p.queue) > 0 {
		ch := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		close(ch)
		return
	}
	p.free++
	p.mu.Unlock()
}

// waiting returns the number of queued callers (for tests).
func (p *hashPool) waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}
