// Package blob keeps the bytes of member files on disk (auth.Blobs): each
// key is stored as <root>/<key[:2]>/<key>, written to a temporary file in
// the same directory and renamed into place, so a reader never sees a
// partial file. Keys are chosen by the domain (random hex); anything else is
// refused, so a key can never name a path outside the root.
package blob

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gatehouse/internal/auth"
)

// Store is a directory of blobs.
type Store struct {
	root string
}

var _ auth.Blobs = (*Store)(nil)

// New returns a store under root; directories are created on first write.
func New(root string) *Store { return &Store{root: root} }

// errBadKey refuses a key that is not 3 to 128 lowercase hex digits.
var errBadKey = errors.New("blob: invalid key")

func validKey(key string) bool {
	if len(key) < 3 || len(key) > 128 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(key string) string {
	return filepath.Join(s.root, key[:2], key)
}

// Put writes at most max bytes of r under key (max <= 0: no limit). A longer
// stream wraps auth.ErrBlobTooLarge and leaves nothing behind. An existing
// blob with the same key is replaced.
func (s *Store) Put(key string, r io.Reader, max int64) (n int64, err error) {
	if !validKey(key) {
		return 0, errBadKey
	}
	dir := filepath.Join(s.root, key[:2])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	n, err = io.Copy(tmp, src)
	if err != nil {
		return 0, fmt.Errorf("blob: write %s: %w", key, err)
	}
	if max > 0 && n > max {
		return 0, fmt.Errorf("blob: %s: %w", key, auth.ErrBlobTooLarge)
	}
	if err = tmp.Sync(); err != nil {
		return 0, err
	}
	if err = tmp.Close(); err != nil {
		return 0, err
	}
	if err = os.Rename(tmp.Name(), s.path(key)); err != nil {
		return 0, err
	}
	return n, nil
}

// Open opens the blob stored under key.
func (s *Store) Open(key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, errBadKey
	}
	return os.Open(s.path(key))
}

// Delete removes the blob stored under key; a missing blob is not an error.
func (s *Store) Delete(key string) error {
	if !validKey(key) {
		return errBadKey
	}
	err := os.Remove(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
