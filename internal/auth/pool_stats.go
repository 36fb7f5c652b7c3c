package auth

// PoolStats is a snapshot of a hash pool, for monitoring.
type PoolStats struct {
	Slots  int // hash computations that may run at once
	Busy   int // computations running now
	Queued int // calls waiting for a slot
}

// stats reads the pool under its lock. A slot handed to a waiter stays
// busy, so busy is every slot not free.
func (p *hashPool) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{Slots: p.slots, Busy: p.slots - p.free, Queued: len(p.queue)}
}

// PoolStats reports how busy the hash pool of a is. It only reads.
func (a *Argon2) PoolStats() PoolStats { return a.pool.stats() }
