package auth

import "context"

// Row-locked updates (docs/decisions.md "Refresh rotation on PostgreSQL").
//
// A store with several concurrent writers (PostgreSQL) runs every Update
// SERIALIZABLE, because many use cases read a value and write it back (the
// lockout counters) and would lose updates otherwise. Some use cases need
// less: everything they decide rests on the credential row they read,
// which the store then locks until the end of the transaction (SELECT …
// FOR UPDATE), and on single-row conditional writes. Refresh rotation is
// one: two rotations of one token queue on its row, and the second reads
// the first's result (rotated, so it replays or revokes as it would have
// in sequence). Such an Update may run at READ COMMITTED, which spares it
// the serialization failures that unrelated rotations cause each other
// under SERIALIZABLE through shared index pages. A store with one writer
// (SQLite) runs everything in sequence anyway and ignores the mark.

type rowLockedKey struct{}

// withRowLocks marks ctx for an Update whose correctness rests only on the
// credential rows it reads through Tx.CredentialByHash and on single-row
// conditional writes.
func withRowLocks(ctx context.Context) context.Context {
	return context.WithValue(ctx, rowLockedKey{}, true)
}

// RowLocked reports whether the Update running with ctx was marked by the
// domain as needing only row locks: the store must then lock every
// credential row Tx.CredentialByHash reads until the transaction ends, and
// may run the transaction at READ COMMITTED.
func RowLocked(ctx context.Context) bool {
	v, _ := ctx.Value(rowLockedKey{}).(bool)
	return v
}
