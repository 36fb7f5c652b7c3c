package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"

	"gatehouse/internal/argon2"
)

// LegacyHasher verifies the password hashes that members imported from
// other servers bring (gatehouse import), beside Gatehouse's own argon2id.
// New hashes are always argon2id. Verify answers rehash=true for a correct
// password against any other format, so the login stores argon2id then
// and the old hash is gone after the member's first sign-in.
//
// The stored forms (NormalizeImportedHash produces them from what other
// servers export):
//
//	$argon2id$v=19$m=…,t=…,p=…$salt$hash   Gatehouse's own (PHC)
//	$argon2i$v=19$m=…,t=…,p=…$salt$hash    PHC, argon2i
//	$2a$… $2b$… $2y$…                      bcrypt (crypt_blowfish)
//	$scrypt$ln=L,r=R,p=P$salt$hash         scrypt, N = 2^L
//	$firebase-scrypt$r=R,m=M$sep$key$salt$hash
//	                                       Firebase's scrypt variant with the
//	                                       project's salt separator and signer key
//	$pbkdf2-sha256$i=N$salt$hash           PBKDF2-HMAC (also -sha512, -sha1)
//
// Salts, keys and hashes of the $scrypt$, $firebase-scrypt$ and $pbkdf2-…$
// forms are unpadded standard base64 of the raw bytes. Every computation
// takes a slot of the wrapped Argon2's hash pool, so imported hashes are
// bounded like argon2id ones, and every cost parameter is bounded before
// anything is computed.
type LegacyHasher struct {
	*Argon2
}

// NewLegacyHasher wraps a: Hash, DummyHash and PoolStats are a's.
func NewLegacyHasher(a *Argon2) *LegacyHasher { return &LegacyHasher{Argon2: a} }

// Bounds of imported hashes' costs, checked on import and again on verify
// (a row edited in the database gets no further).
const (
	legacyMaxBcryptCost  = 16      // about 5 s per verify on one core
	legacyMaxScryptMem   = 1 << 27 // 128 MiB: 128·N·r bytes
	legacyMaxScryptP     = 16
	legacyMaxPBKDF2Iter  = 10_000_000
	legacyMinKeyLen      = 16
	legacyMaxKeyLen      = 128
	legacyMaxSaltLen     = 256
	legacyMaxEncodedLen  = 1024
	legacyMaxFirebaseKey = 256
)

var errLegacyFormat = errors.New("auth: unsupported password hash format")

// Verify checks password against encoded in any supported format.
func (h *LegacyHasher) Verify(password, encoded string) (ok, rehash bool, err error) {
	if strings.HasPrefix(encoded, "$argon2id$") {
		return h.Argon2.Verify(password, encoded)
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	v, err := parseLegacy(encoded)
	if err != nil {
		return false, false, err
	}
	started, err := h.pool.acquire(true)
	if err != nil {
		return false, false, err
	}
	defer h.pool.release(started)
	ok, err = v.verify([]byte(password))
	if err != nil {
		return false, false, err
	}
	return ok, ok, nil
}

// legacyVerifier checks one password against one parsed hash.
type legacyVerifier interface {
	verify(password []byte) (bool, error)
}

// parseLegacy parses a stored non-argon2id hash, bounds included.
func parseLegacy(encoded string) (legacyVerifier, error) {
	if len(encoded) > legacyMaxEncodedLen {
		return nil, fmt.Errorf("%w: too long", errLegacyFormat)
	}
	switch {
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil {
			return nil, fmt.Errorf("%w: bcrypt: %v", errLegacyFormat, err)
		}
		if cost > legacyMaxBcryptCost {
			return nil, fmt.Errorf("%w: bcrypt cost %d above %d", errLegacyFormat, cost, legacyMaxBcryptCost)
		}
		return bcryptHash(encoded), nil
	case strings.HasPrefix(encoded, "$argon2i$"):
		// The same PHC layout as argon2id: parse it with the strict parser.
		a, err := parseArgon2id("$argon2id$" + strings.TrimPrefix(encoded, "$argon2i$"))
		if err != nil {
			return nil, fmt.Errorf("%w: argon2i: %v", errLegacyFormat, err)
		}
		return argon2iHash(a), nil
	case strings.HasPrefix(encoded, "$scrypt$"):
		return parseScryptPHC(encoded)
	case strings.HasPrefix(encoded, "$firebase-scrypt$"):
		return parseFirebase(encoded)
	case strings.HasPrefix(encoded, "$pbkdf2-"):
		return parsePBKDF2(encoded)
	}
	return nil, errLegacyFormat
}

type bcryptHash string

func (b bcryptHash) verify(pw []byte) (bool, error) {
	err := bcrypt.CompareHashAndPassword([]byte(b), pw)
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	return err == nil, err
}

type argon2iHash argon2Hash

func (a argon2iHash) verify(pw []byte) (bool, error) {
	key := argon2.Key(pw, a.salt, a.params.Time, a.params.Memory, a.params.Threads, uint32(len(a.key)))
	return subtle.ConstantTimeCompare(key, a.key) == 1, nil
}

type scryptHash struct {
	n, r, p    int
	salt, hash []byte
}

func (s scryptHash) verify(pw []byte) (bool, error) {
	key, err := scrypt.Key(pw, s.salt, s.n, s.r, s.p, len(s.hash))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, s.hash) == 1, nil
}

func checkScrypt(n, r, p int) error {
	if n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || p > legacyMaxScryptP || int64(128)*int64(n)*int64(r) > legacyMaxScryptMem {
		return fmt.Errorf("%w: scrypt parameters N=%d r=%d p=%d out of bounds (128·N·r at most 128 MiB, p at most %d)", errLegacyFormat, n, r, p, legacyMaxScryptP)
	}
	return nil
}

// legacyB64 decodes unpadded standard base64 and checks the length bounds.
func legacyB64(field, s string, min, max int) ([]byte, error) {
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: bad base64", errLegacyFormat, field)
	}
	if len(b) < min || len(b) > max {
		return nil, fmt.Errorf("%w: %s: %d bytes, want %d to %d", errLegacyFormat, field, len(b), min, max)
	}
	return b, nil
}

// legacyParams parses "k=v,k=v" with exactly the keys given, in order.
func legacyParams(s string, keys ...string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != len(keys) {
		return nil, fmt.Errorf("%w: parameters %q", errLegacyFormat, s)
	}
	out := make([]int, len(keys))
	for i, p := range parts {
		v, ok := strings.CutPrefix(p, keys[i]+"=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || strconv.Itoa(n) != v {
			return nil, fmt.Errorf("%w: parameters %q", errLegacyFormat, s)
		}
		out[i] = n
	}
	return out, nil
}

// parseScryptPHC parses $scrypt$ln=L,r=R,p=P$salt$hash.
func parseScryptPHC(enc string) (legacyVerifier, error) {
	f := strings.Split(enc, "$")
	if len(f) != 5 {
		return nil, fmt.Errorf("%w: scrypt: want $scrypt$ln=L,r=R,p=P$salt$hash", errLegacyFormat)
	}
	ps, err := legacyParams(f[2], "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	if ps[0] < 1 || ps[0] > 30 {
		return nil, fmt.Errorf("%w: scrypt: ln=%d", errLegacyFormat, ps[0])
	}
	s := scryptHash{n: 1 << ps[0], r: ps[1], p: ps[2]}
	if err := checkScrypt(s.n, s.r, s.p); err != nil {
		return nil, err
	}
	if s.salt, err = legacyB64("scrypt salt", f[3], 1, legacyMaxSaltLen); err != nil {
		return nil, err
	}
	if s.hash, err = legacyB64("scrypt hash", f[4], legacyMinKeyLen, legacyMaxKeyLen); err != nil {
		return nil, err
	}
	return s, nil
}

// firebaseHash is Firebase Authentication's scrypt variant (published at
// github.com/firebase/scrypt): the scrypt key of the password with the
// salt followed by the project's salt separator (N = 2^mem, r = rounds,
// p = 1, 32 bytes) is the AES-256 key that encrypts the project's signer
// key in CTR mode with a zero IV; the stored hash is that ciphertext.
type firebaseHash struct {
	rounds, mem          int
	sep, signer, salt, h []byte
}

func (f firebaseHash) verify(pw []byte) (bool, error) {
	salt := append(append([]byte{}, f.salt...), f.sep...)
	key, err := scrypt.Key(pw, salt, 1<<f.mem, f.rounds, 1, 32)
	if err != nil {
		return false, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return false, err
	}
	out := make([]byte, len(f.signer))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, f.signer)
	return subtle.ConstantTimeCompare(out, f.h) == 1, nil
}

// parseFirebase parses $firebase-scrypt$r=R,m=M$sep$signer$salt$hash.
func parseFirebase(enc string) (legacyVerifier, error) {
	f := strings.Split(enc, "$")
	if len(f) != 7 {
		return nil, fmt.Errorf("%w: firebase-scrypt: want $firebase-scrypt$r=R,m=M$separator$signerkey$salt$hash", errLegacyFormat)
	}
	ps, err := legacyParams(f[2], "r", "m")
	if err != nil {
		return nil, err
	}
	fh := firebaseHash{rounds: ps[0], mem: ps[1]}
	if fh.mem < 1 || fh.mem > 30 {
		return nil, fmt.Errorf("%w: firebase-scrypt: m=%d", errLegacyFormat, fh.mem)
	}
	if err := checkScrypt(1<<fh.mem, fh.rounds, 1); err != nil {
		return nil, err
	}
	if fh.sep, err = legacyB64("salt separator", f[3], 0, 64); err != nil {
		return nil, err
	}
	if fh.signer, err = legacyB64("signer key", f[4], 1, legacyMaxFirebaseKey); err != nil {
		return nil, err
	}
	if fh.salt, err = legacyB64("salt", f[5], 1, legacyMaxSaltLen); err != nil {
		return nil, err
	}
	if fh.h, err = legacyB64("hash", f[6], 1, legacyMaxFirebaseKey); err != nil {
		return nil, err
	}
	if len(fh.h) != len(fh.signer) {
		return nil, fmt.Errorf("%w: firebase-scrypt: hash and signer key differ in length", errLegacyFormat)
	}
	return fh, nil
}

type pbkdf2Hash struct {
	prf        func() hash.Hash
	iter       int
	salt, hash []byte
}

func (p pbkdf2Hash) verify(pw []byte) (bool, error) {
	key := pbkdf2.Key(pw, p.salt, p.iter, len(p.hash), p.prf)
	return subtle.ConstantTimeCompare(key, p.hash) == 1, nil
}

// pbkdf2PRFs are the HMAC digests PBKDF2 hashes may use.
var pbkdf2PRFs = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// parsePBKDF2 parses $pbkdf2-<digest>$i=N$salt$hash.
func parsePBKDF2(enc string) (legacyVerifier, error) {
	f := strings.Split(enc, "$")
	if len(f) != 5 {
		return nil, fmt.Errorf("%w: pbkdf2: want $pbkdf2-sha256$i=N$salt$hash", errLegacyFormat)
	}
	prf, ok := pbkdf2PRFs[strings.TrimPrefix(f[1], "pbkdf2-")]
	if !ok {
		return nil, fmt.Errorf("%w: pbkdf2 digest %q", errLegacyFormat, f[1])
	}
	ps, err := legacyParams(f[2], "i")
	if err != nil {
		return nil, err
	}
	if ps[0] < 1 || ps[0] > legacyMaxPBKDF2Iter {
		return nil, fmt.Errorf("%w: pbkdf2: %d iterations (1 to %d)", errLegacyFormat, ps[0], legacyMaxPBKDF2Iter)
	}
	p := pbkdf2Hash{prf: prf, iter: ps[0]}
	if p.salt, err = legacyB64("pbkdf2 salt", f[3], 1, legacyMaxSaltLen); err != nil {
		return nil, err
	}
	if p.hash, err = legacyB64("pbkdf2 hash", f[4], legacyMinKeyLen, legacyMaxKeyLen); err != nil {
		return nil, err
	}
	return p, nil
}
