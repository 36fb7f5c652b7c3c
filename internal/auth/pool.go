package auth

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// DefaultHashMaxWait is how long a password check may expect to wait for a
// slot of the hash pool and run before it is refused with ErrOverloaded
// (503 with Retry-After) instead of being queued: short enough that an
// admitted sign-in is answered within 3 s, as a person waiting expects,
// with room for the estimate's error and the rest of the request
// (docs/decisions.md "Admission by expected wait").
const DefaultHashMaxWait = 2 * time.Second

// DefaultHashQueueLimit is a ceiling on waiters kept for memory safety only:
// admission by expected wait (PoolOptions.MaxWait) refuses long before it at
// any realistic hash time.
const DefaultHashQueueLimit = 4096

// ErrOverloaded is returned by Argon2.Admit, Hash and Verify when a password
// check could not be answered within the pool's MaxWait. It is an
// EUNAVAILABLE *Error with RetryAfter set: the transports answer 503 with
// Retry-After. Callers must not treat it as a wrong password.
var ErrOverloaded = overloaded(time.Second)

// overloaded is ErrOverloaded suggesting a wait of retry.
func overloaded(retry time.Duration) *Error {
	return &Error{Code: EUNAVAILABLE, Message: "The server is busy. Please try again in a moment.", RetryAfter: retry}
}

// PoolOptions size the hash pool of an Argon2.
//
// Memory bound: at most Slots argon2id computations run at once, each
// holding Params.Memory KiB, so the hashing memory is Slots × Memory KiB
// (2 cores × 19 MiB = 38 MiB with the defaults) whatever the request rate.
// Waiting requests hold only their goroutine and request (a few KiB each).
//
// Admission is by expected wait, not by a fixed queue length: a new check
// is let in while (waiters ÷ slots + 1) × the recent time of one hash stays
// within MaxWait, so the pool admits as many waiters as it can serve in
// time, whether a hash takes 20 ms on a fast machine or 200 ms under load,
// and refuses the rest at once — before any database write or failure
// delay (see Service.gate) — with a Retry-After of the excess.
type PoolOptions struct {
	// Slots is the number of concurrent hash computations; zero means
	// GOMAXPROCS (one per core: single-lane argon2id is CPU-bound, so more
	// would add memory without throughput).
	Slots int
	// MaxWait bounds the expected wait plus run time of an admitted check;
	// zero means DefaultHashMaxWait.
	MaxWait time.Duration
	// QueueLimit is a hard ceiling on waiters; zero means
	// DefaultHashQueueLimit, a negative value means none may wait.
	QueueLimit int
}

// hashPool is a counting semaphore with a first-come, first-served queue
// and admission by expected wait. A sync.Mutex or a buffered channel gives
// no ordering guarantee among waiters; here a released slot is handed
// directly to the oldest waiter, so no caller can be overtaken (and starved)
// by later arrivals.
type hashPool struct {
	mu       sync.Mutex
	free     int             // idle slots; > 0 only while the queue is empty
	queue    []chan struct{} // waiters, oldest first
	maxQueue int
	slots    int // total slots, for PoolStats
	maxWait  time.Duration
	// service is a moving average of how long one computation holds a
	// slot (wall time, so it grows when the cores are shared); zero until
	// the first computation ends.
	service time.Duration
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
	w := o.MaxWait
	if w <= 0 {
		w = DefaultHashMaxWait
	}
	return &hashPool{free: slots, maxQueue: q, slots: slots, maxWait: w}
}

// expected is how long a check arriving now would take to finish: its
// wait behind the queue plus its own run. Callers hold mu.
func (p *hashPool) expected() time.Duration {
	if p.free > 0 {
		return p.service
	}
	rounds := float64(len(p.queue))/float64(p.slots) + 1
	return time.Duration(rounds*float64(p.service)) + p.service
}

// refusal is the error for a check that would take too long, or nil.
// slack stretches MaxWait (a check admitted a moment ago gets some).
// Callers hold mu.
func (p *hashPool) refusal(slack float64) error {
	if len(p.queue) >= p.maxQueue && p.free == 0 {
		return overloaded(time.Second)
	}
	limit := time.Duration(float64(p.maxWait) * slack)
	if p.free > 0 || p.service == 0 {
		return nil
	}
	if e := p.expected(); e > limit {
		secs := math.Ceil((e - p.maxWait).Seconds())
		return overloaded(time.Duration(max(secs, 1)) * time.Second)
	}
	return nil
}

// admit reports whether a check arriving now would be let in, without
// taking anything: the gate asks before it writes, so a refusal costs
// nothing but this call.
func (p *hashPool) admit() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusal(1)
}

// acquire takes a slot, waiting in FIFO order behind earlier callers. With
// limited set it refuses (ErrOverloaded) a call that would wait well past
// MaxWait; admit already turned away the rest before they wrote anything.
// It returns when the slot was taken, for the service-time average.
func (p *hashPool) acquire(limited bool) (time.Time, error) {
	p.mu.Lock()
	if p.free > 0 {
		p.free--
		p.mu.Unlock()
		return time.Now(), nil
	}
	if limited {
		if err := p.refusal(1.5); err != nil {
			p.mu.Unlock()
			return time.Time{}, err
		}
	}
	ch := make(chan struct{})
	p.queue = append(p.queue, ch)
	p.mu.Unlock()
	<-ch // the releasing caller hands its slot over
	return time.Now(), nil
}

// release gives the slot to the oldest waiter, or back to the pool, and
// folds the run that started at into the service-time average.
func (p *hashPool) release(started time.Time) {
	took := time.Since(started)
	p.mu.Lock()
	if p.service == 0 {
		p.service = took
	} else {
		p.service += (took - p.service) / 8
	}
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

// Is makes errors.Is(err, ErrOverloaded) hold for every refusal of the hash
// pool, whatever Retry-After it suggests.
func (e *Error) Is(target error) bool {
	return target == error(ErrOverloaded) && e.Code == EUNAVAILABLE && e.Message == ErrOverloaded.Message
}
