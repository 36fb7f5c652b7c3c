package argon2

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	upstream "golang.org/x/crypto/argon2"
)

// TestReusedAreasMatchUpstream: derivations over work areas that earlier
// derivations (of other sizes, passwords and modes) left dirty give exactly
// golang.org/x/crypto/argon2's keys, also when they run concurrently.
func TestReusedAreasMatchUpstream(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type job struct {
		id                  bool
		pw, salt            []byte
		time, memory, keyLn uint32
		threads             uint8
	}
	var jobs []job
	for range 40 {
		pw := make([]byte, rng.IntN(40))
		salt := make([]byte, 8+rng.IntN(24))
		for i := range pw {
			pw[i] = byte(rng.Uint32())
		}
		for i := range salt {
			salt[i] = byte(rng.Uint32())
		}
		jobs = append(jobs, job{id: rng.IntN(4) != 0, pw: pw, salt: salt, time: 1 + rng.Uint32N(3),
			memory: []uint32{8, 64, 1024, 3000, 19456}[rng.IntN(5)], threads: uint8(1 + rng.IntN(4)), keyLn: 16 + rng.Uint32N(48)})
	}
	check := func(j job) error {
		var got, want []byte
		if j.id {
			got, want = IDKey(j.pw, j.salt, j.time, j.memory, j.threads, j.keyLn), upstream.IDKey(j.pw, j.salt, j.time, j.memory, j.threads, j.keyLn)
		} else {
			got, want = Key(j.pw, j.salt, j.time, j.memory, j.threads, j.keyLn), upstream.Key(j.pw, j.salt, j.time, j.memory, j.threads, j.keyLn)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("id=%v t=%d m=%d p=%d len=%d: got %x, want %x", j.id, j.time, j.memory, j.threads, j.keyLn, got, want)
		}
		return nil
	}
	for _, j := range jobs { // one after another: each area is dirty
		if err := check(j); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- check(j)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(free); n > cap(free) || cap(free) == 0 {
		t.Errorf("free list holds %d of %d", n, cap(free))
	}
}
