package auth

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// wantPasswordRule asserts err is an EINVALID FieldError on "password" whose
// message contains want.
func wantPasswordRule(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want refusal %q", want)
	}
	e := AsError(err)
	if e == nil || e.Code != EINVALID {
		t.Fatalf("error %v; want EINVALID *Error", err)
	}
	if msg := e.Fields["password"]; !strings.Contains(msg, want) {
		t.Fatalf("Fields[password] = %q; want it to contain %q", msg, want)
	}
}

var testOwner = PasswordOwner{Email: "Alice.Liddell@Example.com", Username: "alice_liddell"}

func TestPasswordPolicyMinLength(t *testing.T) { // P1
	var p PasswordPolicy
	wantPasswordRule(t, p.Check("zq7#kx2", testOwner), "Password must be at least 8 characters.")
	if err := p.Check("zq7#kx2m", testOwner); err != nil {
		t.Fatalf("8 chars refused: %v", err)
	}
	// Characters, not bytes: 7 emoji are 28 bytes but still too short.
	wantPasswordRule(t, p.Check("🦊🎉😀🚀🦊🎉😀", testOwner), "at least 8 characters")
	// Decomposed accents count as one character each (NFC).
	nfd := norm.NFD.String("éééé") + "abc"
	if utf8.RuneCountInString(nfd) != 11 {
		t.Fatalf("test setup: NFD runes = %d", utf8.RuneCountInString(nfd))
	}
	wantPasswordRule(t, p.Check(nfd, testOwner), "at least 8 characters")

	for _, tc := range []struct{ min, want int }{{0, 8}, {-3, 8}, {5, 8}, {8, 8}, {12, 12}, {15, 15}, {99, 15}} {
		if got := (PasswordPolicy{MinLength: tc.min}).MinChars(); got != tc.want {
			t.Errorf("MinLength %d: MinChars = %d; want %d", tc.min, got, tc.want)
		}
	}
	p15 := PasswordPolicy{MinLength: 15}
	wantPasswordRule(t, p15.Check("zq7#kx2mzq7#kx2"[:14], testOwner), "Password must be at least 15 characters.")
	if err := p15.Check("zq7#kx2mzq7#kx2", testOwner); err != nil {
		t.Fatalf("15 chars refused with MinLength 15: %v", err)
	}
}

// testLongPassword is 64 characters mixing emoji, spaces and accented letters.
const testLongPassword = "Tür 🦊 élan café 🎉 naïve façade 😀 crème brûlée 🚀 mañana señor übe"

func TestPasswordLongUnicode(t *testing.T) { // P2
	if n := utf8.RuneCountInString(testLongPassword); n != 64 {
		t.Fatalf("test setup: %d runes", n)
	}
	var p PasswordPolicy
	if err := p.Check(testLongPassword, testOwner); err != nil {
		t.Fatalf("Check refused: %v", err)
	}
	h := NewArgon2(DefaultArgon2Params)
	enc, err := h.Hash(testLongPassword)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(testLongPassword, enc); !ok || rehash || err != nil {
		t.Fatalf("Verify(same) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	// Last character changed: no truncation anywhere.
	changed := strings.TrimSuffix(testLongPassword, "e") + "E"
	if ok, rehash, err := h.Verify(changed, enc); ok || rehash || err != nil {
		t.Fatalf("Verify(last char changed) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	// The same password in decomposed form (another keyboard or OS) matches.
	if ok, _, err := h.Verify(norm.NFD.String(testLongPassword), enc); !ok || err != nil {
		t.Fatalf("Verify(NFD form) = %v, %v; want true", ok, err)
	}
}

func TestPasswordTooLong(t *testing.T) { // P2
	tooLong := strings.Repeat("a", MaxPasswordBytes+1)
	maxLen := strings.Repeat("ab", MaxPasswordBytes/2)
	var p PasswordPolicy
	if err := p.Check(maxLen, testOwner); err != nil {
		t.Fatalf("%d bytes refused: %v", len(maxLen), err)
	}

	start := time.Now()
	err := p.Check(tooLong, testOwner)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Check refusal took %v; want < 50ms", d)
	}
	wantPasswordRule(t, err, "Password must be at most 1024 bytes.")
	// Multi-byte: 342 three-byte runes = 1026 bytes, refused by bytes.
	wantPasswordRule(t, p.Check(strings.Repeat("€", 342), testOwner), "at most 1024 bytes")

	h := NewArgon2(DefaultArgon2Params)
	enc := h.DummyHash() // a real hash, so only the length guard avoids hashing
	start = time.Now()
	ok, rehash, err := h.Verify(tooLong, enc)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Verify refusal took %v; want < 50ms (no hashing)", d)
	}
	if ok || rehash || err != nil {
		t.Fatalf("Verify(1025 bytes) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	if _, err := h.Hash(tooLong); err == nil {
		t.Fatal("Hash(1025 bytes) succeeded")
	}
}

func TestPasswordPolicyBlocklist(t *testing.T) { // P3
	var p PasswordPolicy
	lines := strings.Split(strings.TrimSpace(commonPasswordsText), "\n")
	if len(lines) != 10000 {
		t.Fatalf("embedded list has %d lines; want 10000", len(lines))
	}
	mid := lines[2911] // line 2912, "realmadrid": a top-3000 entry of 8+ chars
	if len(mid) < 8 {
		t.Fatalf("test setup: mid-list entry %q too short", mid)
	}
	const common = "This password is too common. Choose something harder to guess."
	const personal = "Password must not be your email address or username."
	for _, tc := range []struct{ password, want string }{
		{"password", common},
		{"PassWord", common},
		{"12345678", common},
		{"qwertyuiop", common},
		{mid, common},
		{strings.ToUpper(mid), common},
		{"Gatehouse", "Password must not be the name of this service."},
		{" GATEHOUSE ", "name of this service"},
		{"alice_liddell", personal},
		{" Alice_Liddell ", personal},
		{"alice.liddell", personal},
		{"alice.liddell@example.com", personal},
	} {
		t.Run(tc.password, func(t *testing.T) {
			wantPasswordRule(t, p.Check(tc.password, testOwner), tc.want)
		})
	}

	custom := PasswordPolicy{ProductName: "Acme Portal"}
	wantPasswordRule(t, custom.Check("acme portal", testOwner), "name of this service")

	for _, ok := range []string{
		"purple monkey dishes",  // 20-char lowercase passphrase
		"correct horse battery", // 21 chars
		"zzzzzzzzzzzzzzzzzzzz",  // no composition rules
		"gatehouse rocks",       // contains, but is not, the product name
		"alice.liddell is me",   // contains, but is not, the local part
		"ünïcödé pässwörd 🦊",    // accented letters, emoji, spaces
		strings.Repeat(" ", 3) + "with spaces   ",
	} {
		if err := p.Check(ok, testOwner); err != nil {
			t.Errorf("Check(%q) = %v; want nil", ok, err)
		}
	}
	// Empty owner fields never match.
	if err := p.Check("correct horse battery", PasswordOwner{}); err != nil {
		t.Errorf("empty owner: %v", err)
	}
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestArgon2Format(t *testing.T) { // P4
	h := NewArgon2(DefaultArgon2Params)
	a, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of the same password are equal")
	}
	salts := map[string]bool{}
	for _, enc := range []string{a, b} {
		m := phcRE.FindStringSubmatch(enc)
		if m == nil {
			t.Fatalf("hash %q does not match %v", enc, phcRE)
		}
		mem, _ := strconv.Atoi(m[1])
		tm, _ := strconv.Atoi(m[2])
		par, _ := strconv.Atoi(m[3])
		if mem < 19456 || tm < 2 || par < 1 {
			t.Fatalf("weak parameters m=%d t=%d p=%d", mem, tm, par)
		}
		salt, err := base64.RawStdEncoding.DecodeString(m[4])
		if err != nil || len(salt) < 16 {
			t.Fatalf("salt %q: %d bytes, %v; want >= 16", m[4], len(salt), err)
		}
		key, err := base64.RawStdEncoding.DecodeString(m[5])
		if err != nil || len(key) != 32 {
			t.Fatalf("key: %d bytes, %v", len(key), err)
		}
		salts[m[4]] = true
	}
	if len(salts) != 2 {
		t.Fatal("two hashes share a salt")
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default parameters not encoded: %q", a)
	}
}

// TestArgon2ReferenceVector checks interoperability with the PHC reference
// encoding: a hash made by the argon2 reference CLI
// (echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e).
func TestArgon2ReferenceVector(t *testing.T) {
	const enc = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	h := NewArgon2(DefaultArgon2Params)
	ok, rehash, err := h.Verify("password", enc)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify(reference) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if ok, _, _ := h.Verify("passwore", enc); ok {
		t.Fatal("wrong password accepted")
	}
}

func TestArgon2Rehash(t *testing.T) { // P5
	old := NewArgon2(DefaultArgon2Params)
	enc, err := old.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	stronger := DefaultArgon2Params
	stronger.Time = 3
	cur := NewArgon2(stronger)

	if ok, rehash, err := cur.Verify("correct horse battery", enc); !ok || !rehash || err != nil {
		t.Fatalf("Verify(old params) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if ok, rehash, err := cur.Verify("wrong horse battery", enc); ok || rehash || err != nil {
		t.Fatalf("Verify(wrong, old params) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	// The rehashed value carries the new parameters and needs no more rehash.
	fresh, err := cur.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fresh, "$m=19456,t=3,p=1$") {
		t.Fatalf("fresh hash %q lacks t=3", fresh)
	}
	if ok, rehash, err := cur.Verify("correct horse battery", fresh); !ok || rehash || err != nil {
		t.Fatalf("Verify(fresh) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestArgon2VerifyMalformed(t *testing.T) {
	good := "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + strings.Repeat("A", 43)
	if _, err := parseArgon2id(good); err != nil {
		t.Fatalf("test setup: good hash refused: %v", err)
	}
	salt := "c29tZXNhbHRzb21lc2FsdA"
	key := strings.Repeat("A", 43)
	for name, enc := range map[string]string{
		"empty":             "",
		"garbage":           "not a hash",
		"dollars only":      "$$$$$",
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":           "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"no version":        "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"version 16":        "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"params reordered":  "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key,
		"param missing":     "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"extra param":       "$argon2id$v=19$m=19456,t=2,p=1,k=1$" + salt + "$" + key,
		"negative":          "$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key,
		"plus sign":         "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key,
		"leading zero":      "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key,
		"overflow":          "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key,
		"memory > 4 GiB":    "$argon2id$v=19$m=4194305,t=2,p=1$" + salt + "$" + key,
		"memory < 8p":       "$argon2id$v=19$m=7,t=1,p=1$" + salt + "$" + key,
		"time 0":            "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"time > 100":        "$argon2id$v=19$m=19456,t=101,p=1$" + salt + "$" + key,
		"threads 0":         "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,
		"threads 256":       "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key,
		"salt bad base64":   "$argon2id$v=19$m=19456,t=2,p=1$c29t!ZXNhbHQ$" + key,
		"salt padded":       "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$" + key,
		"salt too short":    "$argon2id$v=19$m=19456,t=2,p=1$c29tZQ$" + key,
		"salt empty":        "$argon2id$v=19$m=19456,t=2,p=1$$" + key,
		"key empty":         "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$",
		"key too short":     "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$AAAA",
		"key non-canonical": "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 42) + "B",
		"trailing field":    good + "$x",
		"no leading dollar": good[1:],
		"too long":          "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 2000),
	} {
		t.Run(name, func(t *testing.T) {
			h := NewArgon2(DefaultArgon2Params)
			start := time.Now()
			ok, rehash, err := h.Verify("correct horse battery", enc)
			if err == nil || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want error", enc, ok, rehash, err)
			}
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Errorf("refusal took %v; want no hashing", d)
			}
		})
	}
}

func TestArgon2DummyHash(t *testing.T) {
	h := NewArgon2(DefaultArgon2Params)
	d := h.DummyHash()
	if d != h.DummyHash() {
		t.Fatal("DummyHash not stable")
	}
	if !phcRE.MatchString(d) || !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("DummyHash %q not a current-parameter hash", d)
	}
	if ok, rehash, err := h.Verify("correct horse battery", d); ok || rehash || err != nil {
		t.Fatalf("Verify(dummy) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestArgon2Params(t *testing.T) {
	if err := DefaultArgon2Params.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for name, p := range map[string]Argon2Params{
		"weak memory":   {Memory: 4096, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		"t=1 low m":     {Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		"short salt":    {Memory: 19456, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32},
		"zero threads":  {Memory: 19456, Time: 2, Threads: 0, SaltLen: 16, KeyLen: 32},
		"huge time":     {Memory: 19456, Time: 1000, Threads: 1, SaltLen: 16, KeyLen: 32},
		"short key":     {Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 8},
		"memory > 4GiB": {Memory: 5 << 20, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if p.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, p)
		}
	}
	if err := (Argon2Params{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}).Validate(); err != nil {
		t.Errorf("OWASP m=47104,t=1 refused: %v", err)
	}
	if got := NewArgon2(Argon2Params{}).Params(); got != DefaultArgon2Params {
		t.Errorf("zero params = %+v; want defaults", got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewArgon2 with time 1000 did not panic")
			}
		}()
		NewArgon2(Argon2Params{Time: 1000})
	}()
}

func BenchmarkArgon2Verify(b *testing.B) {
	h := NewArgon2(DefaultArgon2Params)
	enc, err := h.Hash(testLongPassword)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(testLongPassword, enc); !ok || err != nil {
			b.Fatal("verify failed")
		}
	}
}
