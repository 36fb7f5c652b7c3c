package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gatehouse/internal/argon2"
	"golang.org/x/text/unicode/norm"
)

// MaxPasswordBytes is the longest password accepted, in bytes of UTF-8. It
// bounds the work done per attempt; longer passwords are refused before any
// hashing (docs/security.md P2).
const MaxPasswordBytes = 1024

// Argon2Params are the argon2id cost parameters. Memory is in KiB.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes (parallelism)
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2Params is the OWASP Password Storage Cheat Sheet minimum for
// argon2id (m=19 MiB, t=2, p=1) with a 16-byte salt and 32-byte key.
var DefaultArgon2Params = Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hard bounds on argon2id parameters. Stored hashes outside them are refused
// as malformed before any work is done, so a corrupted or hostile database
// row cannot make a single login allocate gigabytes or spin for minutes.
const (
	argon2MaxMemory  = 4 << 20 // KiB = 4 GiB
	argon2MaxTime    = 100
	argon2MinSalt    = 8 // PHC string format minimum
	argon2MaxSalt    = 256
	argon2MinKey     = 16
	argon2MaxKey     = 512
	argon2MaxEncoded = 1024 // characters of a whole PHC string
)

// Validate reports whether p is safe to configure: within the hard bounds and
// at least the OWASP floor (m ≥ 19456 KiB with t ≥ 2, or m ≥ 47104 KiB with
// t = 1; p ≥ 1; salt ≥ 16 bytes; key ≥ 16 bytes). Configuration loaders should
// call it; NewArgon2 itself only enforces the hard bounds.
func (p Argon2Params) Validate() error {
	if err := p.checkBounds(); err != nil {
		return err
	}
	switch {
	case p.Time >= 2 && p.Memory < 19456:
		return fmt.Errorf("argon2: memory %d KiB is below the 19456 KiB minimum for t=%d", p.Memory, p.Time)
	case p.Time == 1 && p.Memory < 47104:
		return fmt.Errorf("argon2: memory %d KiB is below the 47104 KiB minimum for t=1", p.Memory)
	case p.SaltLen < 16:
		return fmt.Errorf("argon2: salt length %d is below 16 bytes", p.SaltLen)
	}
	return nil
}

// checkBounds applies the hard bounds that Verify applies to stored hashes.
func (p Argon2Params) checkBounds() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2: threads must be at least 1")
	case p.Time < 1 || p.Time > argon2MaxTime:
		return fmt.Errorf("argon2: time %d out of range 1..%d", p.Time, argon2MaxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > argon2MaxMemory:
		return fmt.Errorf("argon2: memory %d KiB out of range %d..%d", p.Memory, 8*uint32(p.Threads), argon2MaxMemory)
	case p.SaltLen < argon2MinSalt || p.SaltLen > argon2MaxSalt:
		return fmt.Errorf("argon2: salt length %d out of range %d..%d", p.SaltLen, argon2MinSalt, argon2MaxSalt)
	case p.KeyLen < argon2MinKey || p.KeyLen > argon2MaxKey:
		return fmt.Errorf("argon2: key length %d out of range %d..%d", p.KeyLen, argon2MinKey, argon2MaxKey)
	}
	return nil
}

// Argon2 is the argon2id Hasher. Hashes are PHC strings,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64 (the reference encoding).
//
// Passwords are normalised to Unicode NFKC before hashing and verifying
// (NIST SP 800-63B §5.1.1.2), so the same password typed as composed or
// decomposed accents, or in full-width forms, matches.
//
// Hash computations run in a bounded pool (see PoolOptions): at most
// GOMAXPROCS at once per Argon2, further calls wait in a fair FIFO queue
// while their expected wait stays within PoolOptions.MaxWait, and beyond
// that Admit, Hash and Verify return ErrOverloaded at once. Each computation holds Memory KiB, so this bounds
// memory under a flood of logins (100 parallel logins at 19 MiB would be
// about 1.9 GiB; the pool keeps it at slots × 19 MiB) without lowering
// throughput, since a single-lane argon2id is CPU-bound.
//
// An Argon2 is safe for concurrent use.
type Argon2 struct {
	params Argon2Params
	pool   *hashPool

	dummyOnce sync.Once
	dummy     string
}

// NewArgon2 returns a hasher producing hashes with p. Zero fields of p take
// the value from DefaultArgon2Params. It panics if p is outside the hard
// bounds (a programming error: it could not verify its own hashes); use
// p.Validate to check configured values first. The hash pool has the
// default size (see NewArgon2Pool).
func NewArgon2(p Argon2Params) *Argon2 {
	return NewArgon2Pool(p, PoolOptions{})
}

// NewArgon2Pool is NewArgon2 with an explicit hash pool size.
func NewArgon2Pool(p Argon2Params, o PoolOptions) *Argon2 {
	d := DefaultArgon2Params
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	if err := p.checkBounds(); err != nil {
		panic(err)
	}
	return &Argon2{params: p, pool: newHashPool(o)}
}

// Admit reports, without taking anything, whether a password check arriving
// now would finish within the pool's MaxWait: nil, or ErrOverloaded with
// the Retry-After to suggest. The gate asks before it writes anything.
func (a *Argon2) Admit() error { return a.pool.admit() }

// Params returns the parameters new hashes are made with.
func (a *Argon2) Params() Argon2Params { return a.params }

var errPasswordTooLong = FieldError("password", fmt.Sprintf("Password must be at most %d bytes.", MaxPasswordBytes))

// Hash returns the PHC-encoded argon2id hash of password with a fresh random
// salt. Passwords longer than MaxPasswordBytes are refused; with the hash
// pool's queue full it returns ErrOverloaded.
func (a *Argon2) Hash(password string) (string, error) {
	return a.hash(password, true)
}

// hash is Hash; limited false waits for a slot even past the queue limit.
func (a *Argon2) hash(password string, limited bool) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", errPasswordTooLong
	}
	p := a.params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2: salt: %w", err)
	}
	key, err := a.derive(limited, password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded. A
// malformed or unsupported encoded (wrong algorithm or version, bad base64,
// parameters outside the hard bounds) is an error, and nothing is computed.
// A password longer than MaxPasswordBytes is a mismatch, returned at once
// without hashing. rehash is true only when ok is true and encoded was made
// with parameters (m, t, p, salt or key length) other than the configured
// ones, so the caller should store a fresh Hash. With the hash pool's queue
// full it returns ErrOverloaded (not a mismatch: the caller must pass it on).
func (a *Argon2) Verify(password, encoded string) (ok, rehash bool, err error) {
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	h, err := parseArgon2id(encoded)
	if err != nil {
		return false, false, err
	}
	key, err := a.derive(true, password, h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(key, h.key) != 1 {
		return false, false, nil
	}
	return true, h.params != a.params, nil
}

// DummyHash returns a hash, made once per Argon2 with its configured
// parameters, of a random password nobody knows. For a login naming an
// unknown account, the service calls Verify(password, DummyHash()) and
// discards the result, so the response costs the same as a wrong password
// for a real account (docs/security.md B6) and does not reveal which accounts exist.
func (a *Argon2) DummyHash() string {
	a.dummyOnce.Do(func() {
		h, err := a.hash(rand.Text()+rand.Text(), false)
		if err != nil {
			// crypto/rand does not fail on supported platforms (Go ≥ 1.24).
			panic(err)
		}
		a.dummy = h
	})
	return a.dummy
}

// derive computes the argon2id key of the NFKC-normalised password, holding
// one of the hash pool's slots. With limited set and the queue full it
// returns ErrOverloaded without computing anything.
func (a *Argon2) derive(limited bool, password string, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	started, err := a.pool.acquire(limited)
	if err != nil {
		return nil, err
	}
	defer a.pool.release(started)
	return argon2.IDKey([]byte(norm.NFKC.String(password)), salt, t, m, p, keyLen), nil
}

type argon2Hash struct {
	params Argon2Params
	salt   []byte
	key    []byte
}

var errMalformedHash = errors.New("argon2: malformed password hash")

// parseArgon2id strictly parses $argon2id$v=19$m=M,t=T,p=P$salt$key. Fields
// must appear in exactly this order, numbers are plain decimals without
// leading zeros, and base64 must be canonical unpadded standard encoding.
func parseArgon2id(encoded string) (argon2Hash, error) {
	var h argon2Hash
	if len(encoded) > argon2MaxEncoded {
		return h, fmt.Errorf("%w: too long", errMalformedHash)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return h, fmt.Errorf("%w: want 5 $-separated fields", errMalformedHash)
	}
	if parts[1] != "argon2id" {
		return h, fmt.Errorf("%w: unsupported algorithm %q", errMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("%w: unsupported version %q", errMalformedHash, parts[2])
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return h, fmt.Errorf("%w: want m,t,p parameters", errMalformedHash)
	}
	var nums [3]uint32
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return h, fmt.Errorf("%w: want parameter %s", errMalformedHash, name[:1])
		}
		n, ok := parsePHCUint(v)
		if !ok {
			return h, fmt.Errorf("%w: bad parameter %s", errMalformedHash, name[:1])
		}
		nums[i] = n
	}
	if nums[2] > 255 {
		return h, fmt.Errorf("%w: parallelism %d out of range", errMalformedHash, nums[2])
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return h, fmt.Errorf("%w: salt: %v", errMalformedHash, err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return h, fmt.Errorf("%w: hash: %v", errMalformedHash, err)
	}
	h.params = Argon2Params{
		Memory:  nums[0],
		Time:    nums[1],
		Threads: uint8(nums[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := h.params.checkBounds(); err != nil {
		return h, fmt.Errorf("%w: %v", errMalformedHash, err)
	}
	h.salt, h.key = salt, key
	return h, nil
}

// parsePHCUint parses a PHC decimal: digits only, no sign, no leading zero,
// fitting in 32 bits.
func parsePHCUint(s string) (uint32, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// Password policy limits on MinLength, in characters.
const (
	DefaultPasswordMinLength = 8
	MaxPasswordMinLength     = 15
)

// DefaultProductName is the product name a password may not equal when the
// policy does not set one.
const DefaultProductName = "gatehouse"

// PasswordPolicy is the rule set for choosing a password (docs/security.md P1–P3):
// a minimum length, a maximum of MaxPasswordBytes, and a blocklist of common
// passwords, the member's own identifiers and the product name. There are no
// composition rules (NIST SP 800-63B): any Unicode, including spaces and
// emoji, is allowed.
type PasswordPolicy struct {
	// MinLength is the minimum number of characters (runes after NFC
	// normalisation). Zero means 8; values are clamped to 8..15 (15 is the
	// NIST 800-63B-4 minimum for password-only accounts).
	MinLength int
	// ProductName may not be used as the password; empty means "gatehouse".
	ProductName string
}

// PasswordOwner identifies whose password is being checked, so it may not
// equal their own email address, its local part or their username.
type PasswordOwner struct {
	Email, Username string
}

// MinChars returns the effective minimum length in characters.
func (p PasswordPolicy) MinChars() int {
	switch {
	case p.MinLength <= DefaultPasswordMinLength:
		return DefaultPasswordMinLength
	case p.MinLength > MaxPasswordMinLength:
		return MaxPasswordMinLength
	}
	return p.MinLength
}

// Check returns nil when password may be chosen by who, or an EINVALID
// *Error for the field "password" whose message names the rule broken. The
// byte limit is checked first, before any other work.
func (p PasswordPolicy) Check(password string, who PasswordOwner) error {
	if len(password) > MaxPasswordBytes {
		return errPasswordTooLong
	}
	if !utf8.ValidString(password) {
		return FieldError("password", "Password contains invalid characters.")
	}
	if n := p.MinChars(); utf8.RuneCountInString(norm.NFC.String(password)) < n {
		return FieldError("password", fmt.Sprintf("Password must be at least %d characters.", n))
	}
	c := Canonical(password)
	if isCommonPassword(c) {
		return FieldError("password", "This password is too common. Choose something harder to guess.")
	}
	email := Canonical(who.Email)
	local := email
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		local = strings.TrimSpace(email[:i])
	}
	for _, id := range []string{email, local, Canonical(who.Username)} {
		if id != "" && c == id {
			return FieldError("password", "Password must not be your email address or username.")
		}
	}
	product := Canonical(p.ProductName)
	if product == "" {
		product = DefaultProductName
	}
	if c == product {
		return FieldError("password", "Password must not be the name of this service.")
	}
	return nil
}

// commonPasswordsText is the 10,000 most common passwords, one per line,
// from zxcvbn (https://github.com/dropbox/zxcvbn, MIT licence).
//
//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the blocklist as a set of Canonical forms, built on
// first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if w := Canonical(line); w != "" {
			set[w] = struct{}{}
		}
	}
	return set
})

// isCommonPassword reports whether the canonical password c is on the list.
func isCommonPassword(c string) bool {
	_, ok := commonPasswords()[c]
	return ok
}
