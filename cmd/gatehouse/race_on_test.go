//go:build race

package main

// raceEnabled reports whether the test binary runs under the race detector,
// which slows the test's own clients several times over: timing bounds are
// then only logged.
const raceEnabled = true
