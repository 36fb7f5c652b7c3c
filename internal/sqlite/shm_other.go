//go:build !unix

package sqlite

// walHeader is unavailable here: the read cache asks PRAGMA data_version.
type walHeader struct{}

func newWALHeader(string) *walHeader             { return nil }
func (w *walHeader) changed() (changed, ok bool) { return false, false }
func (w *walHeader) close() error                { return nil }
