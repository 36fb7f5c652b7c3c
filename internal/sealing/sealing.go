// Package sealing is how both stores (internal/sqlite, internal/postgres)
// seal secrets at rest: AES-256-GCM under the payload key, each ciphertext
// bound to what it belongs to (an outbox row's kind and address, a
// column's name and row id) so that it cannot be moved to another row.
package sealing

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySize is the length of the outbox payload key (AES-256).
const KeySize = 32

// LoadOrCreateKey returns the outbox payload key stored at path, creating
// the file (0600, parent directory 0700) with a fresh random key when it
// does not exist.
//
// Why: mails waiting in the outbox carry live password-reset and invitation
// links, so a copy of the database alone (a backup, a stolen disk image, a
// support dump) must not yield usable tokens. The payloads are sealed with
// this key, which lives in a file beside the database and is backed up and
// permissioned separately. Losing the key only loses mails not yet sent.
//
// Format: the file holds the key as 64 hexadecimal characters, optionally
// followed by a newline; a file of exactly 32 raw bytes is accepted too.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("sealing: read key: %w", err)
	}
	return parseKey(b)
}

// parseKey decodes the key file's contents.
func parseKey(b []byte) ([]byte, error) {
	if t := bytes.TrimSpace(b); len(t) == 2*KeySize {
		if k, err := hex.DecodeString(string(t)); err == nil {
			return k, nil
		}
	}
	if len(b) == KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("sealing: key file must hold %d hex-encoded (or raw) bytes", KeySize)
}

// createKey writes a new random key to a temporary file and links it into
// place, so the key file is never seen half written and two processes
// starting at once agree on the one that won.
func createKey(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sealing: create key: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sealing: create key: %w", err)
	}
	f, err := os.CreateTemp(dir, ".key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("sealing: create key: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = io.WriteString(f, hex.EncodeToString(key)+"\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(f.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("sealing: create key: %w", err)
	}
	return key, nil
}

// payloadAD binds a sealed payload to its mail's kind and recipient, so a
// payload copied into another row (say, to another address) fails to open.
func payloadAD(kind, to string) []byte {
	return []byte("gatehouse/outbox/v1\x00" + kind + "\x00" + to)
}

// SealData encrypts the JSON of data with AES-256-GCM: nonce || ciphertext.
func SealData(key []byte, kind, to string, data map[string]string) ([]byte, error) {
	plain, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return seal(key, plain, payloadAD(kind, to))
}

// OpenData reverses SealData.
func OpenData(key []byte, kind, to string, sealed []byte) (map[string]string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed payload too short")
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, payloadAD(kind, to))
	if err != nil {
		return nil, fmt.Errorf("open payload: %w", err)
	}
	var data map[string]string
	if err := json.Unmarshal(plain, &data); err != nil {
		return nil, fmt.Errorf("decode payload: %w", err)
	}
	return data, nil
}

// seal encrypts plain bound to ad with AES-256-GCM: nonce || ciphertext.
func seal(key, plain, ad []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, ad), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// fieldAD binds a sealed column to its table, column and row identity, so a
// value copied into another row or column fails to open.
func fieldAD(field, id string) []byte {
	return []byte("gatehouse/field/v1\x00" + field + "\x00" + id)
}

// SealField encrypts plain for the column field of the row id with
// AES-256-GCM (nonce || ciphertext). Empty plain is NULL.
func SealField(key []byte, field, id string, plain []byte) (any, error) {
	if len(plain) == 0 {
		return nil, nil
	}
	sealed, err := seal(key, plain, fieldAD(field, id))
	if err != nil {
		return nil, err // an untyped nil, not a nil []byte in the any
	}
	return sealed, nil
}

// OpenField reverses SealField; NULL (nil) opens to nil.
func OpenField(key []byte, field, id string, sealed []byte) ([]byte, error) {
	if sealed == nil {
		return nil, nil
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, fmt.Errorf("open %s: sealed value too short", field)
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, fieldAD(field, id))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", field, err)
	}
	return plain, nil
}

// ParseKey decodes a key given as 64 hexadecimal characters (for example
// GATEHOUSE_SECRET_KEY, which every node of a cluster must share).
func ParseKey(s string) ([]byte, error) { return parseKey([]byte(s)) }
