package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// fixedClock is a settable clock that only moves when told to.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real store (testenv) with a service on a fixed clock.
type fixture struct {
	e     *testenv.Env
	svc   *auth.Service
	clock *fixedClock
	ctx   context.Context
}

// t0 is the fixture's start time: the middle of a TOTP step.
var t0 = time.Unix(1_750_000_005, 0).UTC() // 1_750_000_005 = 30*58_333_333 + 15

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := testenv.New(t, testenv.Options{NoSMTP: true})
	f := &fixture{e: e, clock: &fixedClock{t: t0}, ctx: context.Background()}
	f.svc = f.service(t)
	return f
}

// service builds another service on the fixture's store and clock (another
// instance of the server).
func (f *fixture) service(t *testing.T) *auth.Service {
	t.Helper()
	svc, err := auth.NewService(f.e.Store, auth.NewArgon2(testenv.FastArgon2),
		auth.Config{BaseURL: f.e.BaseURL, FailureFloor: time.Millisecond}, auth.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *fixture) member(t *testing.T, email string) auth.Member {
	t.Helper()
	m, err := f.svc.CreateMember(f.ctx, auth.CreateMemberInput{Email: email, Password: "correct horse battery", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) signIDToken(t *testing.T, m auth.Member, sess auth.Session, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.SignIDToken(f.svc, f.ctx, m, sess, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func segment(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func refused(t *testing.T, f *fixture, tok string) {
	t.Helper()
	_, err := f.svc.VerifyIDToken(f.ctx, tok)
	if auth.ErrorCode(err) != auth.EUNAUTHORIZED || auth.ErrorMessage(err) != "Invalid token." {
		t.Fatalf("VerifyIDToken(%.80q) = %v, want EUNAUTHORIZED Invalid token.", tok, err)
	}
}

func TestIDTokenValid(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sess := auth.Session{ID: 42, MemberID: m.ID, ActorID: 7, ExpiresAt: t0.Add(90 * 24 * time.Hour)}
	tok := f.signIDToken(t, m, sess, 24*time.Hour)

	h := segment(t, tok, 0)
	key, err := auth.SigningKeyOf(f.svc, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h["alg"] != "EdDSA" || h["typ"] != "JWT" || h["kid"] != key.KID || len(h) != 3 {
		t.Errorf("header = %v", h)
	}
	c := segment(t, tok, 1)
	want := map[string]any{
		"iss": f.e.BaseURL, "sub": strconv.FormatInt(m.ID, 10), "aud": "gatehouse",
		"exp": float64(t0.Add(24 * time.Hour).Unix()), "iat": float64(t0.Unix()), "nbf": float64(t0.Unix()),
		"email": "ann@example.com", "preferred_username": m.Username, "token_use": "id", "sid": "42",
		"act": map[string]any{"sub": "7"},
	}
	if mustJSON(c) != mustJSON(want) {
		t.Errorf("claims = %s\nwant     %s", mustJSON(c), mustJSON(want))
	}

	got, err := f.svc.VerifyIDToken(f.ctx, tok)
	if err != nil {
		t.Fatalf("VerifyIDToken: %v", err)
	}
	if got.Subject != strconv.FormatInt(m.ID, 10) || got.Email != "ann@example.com" || got.SessionID != 42 ||
		got.ActorID != 7 || got.KeyID != key.KID || got.ExpiresAt != t0.Add(24*time.Hour).Unix() ||
		got.Issuer != f.e.BaseURL || got.Audience != "gatehouse" || got.Username != m.Username {
		t.Errorf("claims = %+v", got)
	}

	// Without a proxy actor there is no act claim; exp never outlives the
	// session.
	sess = auth.Session{ID: 43, MemberID: m.ID, ExpiresAt: t0.Add(time.Hour)}
	tok = f.signIDToken(t, m, sess, 24*time.Hour)
	c = segment(t, tok, 1)
	if _, ok := c["act"]; ok {
		t.Errorf("act claim without an actor: %v", c)
	}
	if c["exp"] != float64(t0.Add(time.Hour).Unix()) {
		t.Errorf("exp = %v, want the session's end", c["exp"])
	}

	// Within the leeway an expired token still verifies; beyond, it does not.
	f.clock.Advance(time.Hour + auth.IDTokenLeeway - time.Second)
	if _, err := f.svc.VerifyIDToken(f.ctx, tok); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	f.clock.Advance(time.Second)
	refused(t, f, tok)
}

// TestVerifyIDTokenRefuses is docs/security.md T1 on the verifier.
func TestVerifyIDTokenRefuses(t *testing.T) {
	if auth.IDTokenLeeway > 60*time.Second {
		t.Fatalf("leeway %v is over 60 s", auth.IDTokenLeeway)
	}
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sess := auth.Session{ID: 1, MemberID: m.ID}
	valid := f.signIDToken(t, m, sess, time.Hour)
	if _, err := f.svc.VerifyIDToken(f.ctx, valid); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	key, err := auth.SigningKeyOf(f.svc, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	kidHeader := func(alg string) string { return mustJSON(map[string]string{"alg": alg, "typ": "JWT", "kid": key.KID}) }
	now := t0.Unix()
	claims := func(edit func(map[string]any)) string {
		c := map[string]any{"iss": f.e.BaseURL, "sub": strconv.FormatInt(m.ID, 10), "aud": "gatehouse",
			"exp": now + 3600, "iat": now, "nbf": now, "email": m.Email, "token_use": "id", "sid": "1"}
		if edit != nil {
			edit(c)
		}
		return mustJSON(c)
	}
	signed := func(header, payload string) string {
		tok, err := auth.SignRaw(f.svc, f.ctx, header, payload)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// The control: the forging helper makes tokens the verifier accepts.
	if _, err := f.svc.VerifyIDToken(f.ctx, signed(kidHeader("EdDSA"), claims(nil))); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	hs256 := func(secret []byte) string {
		input := enc(kidHeader("HS256")) + "." + enc(claims(nil))
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	jwks, err := f.svc.JWKS(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	foreign := func(kid string) string {
		input := enc(mustJSON(map[string]string{"alg": "EdDSA", "typ": "JWT", "kid": kid})) + "." + enc(claims(nil))
		return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(otherPriv, []byte(input)))
	}
	parts := strings.Split(valid, ".")
	payload := segment(t, valid, 1)
	payload["sub"] = "1"
	modified := parts[0] + "." + enc(mustJSON(payload)) + "." + parts[2]

	cases := map[string]string{
		"alg none":                 enc(mustJSON(map[string]string{"alg": "none", "kid": key.KID})) + "." + enc(claims(nil)) + ".",
		"alg none, signature kept": enc(mustJSON(map[string]string{"alg": "none", "kid": key.KID})) + "." + parts[1] + "." + parts[2],
		"HS256 with public key":    hs256(key.Public),
		"HS256 with JWK x":         hs256([]byte(jwks[0].X)),
		"alg EdDSA lowercase":      signed(kidHeader("eddsa"), claims(nil)),
		"alg Ed25519":              signed(kidHeader("Ed25519"), claims(nil)),
		"no alg":                   signed(mustJSON(map[string]string{"kid": key.KID}), claims(nil)),
		"crit header":              signed(mustJSON(map[string]any{"alg": "EdDSA", "kid": key.KID, "crit": []string{"exp"}}), claims(nil)),
		"typ not JWT":              signed(mustJSON(map[string]string{"alg": "EdDSA", "typ": "at+jwt", "kid": key.KID}), claims(nil)),
		"unknown kid":              foreign("unknown-kid"),
		"known kid, foreign key":   foreign(key.KID),
		"no kid":                   signed(`{"alg":"EdDSA","typ":"JWT"}`, claims(nil)),
		"modified payload":         modified,
		"modified signature":       parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64)),
		"signature of other token": parts[0] + "." + enc(claims(nil)) + "." + parts[2],
		"exp in the past":          signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["exp"] = now - 61 })),
		"exp long past":            signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["exp"] = now - 86400 })),
		"missing exp":              signed(kidHeader("EdDSA"), claims(func(c map[string]any) { delete(c, "exp") })),
		"exp not a number":         signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["exp"] = fmt.Sprint(now + 3600) })),
		"nbf in the future":        signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["nbf"] = now + 120 })),
		"iat in the future":        signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["iat"] = now + 120 })),
		"wrong aud":                signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["aud"] = "someone-else" })),
		"wrong aud list":           signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["aud"] = []string{"a", "b"} })),
		"missing aud":              signed(kidHeader("EdDSA"), claims(func(c map[string]any) { delete(c, "aud") })),
		"wrong iss":                signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["iss"] = "https://evil.example" })),
		"missing iss":              signed(kidHeader("EdDSA"), claims(func(c map[string]any) { delete(c, "iss") })),
		"token_use access":         signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["token_use"] = "access" })),
		"missing token_use":        signed(kidHeader("EdDSA"), claims(func(c map[string]any) { delete(c, "token_use") })),
		"missing sub":              signed(kidHeader("EdDSA"), claims(func(c map[string]any) { delete(c, "sub") })),
		"payload not an object":    signed(kidHeader("EdDSA"), `["id"]`),
		"empty":                    "",
		"one part":                 "abc",
		"two parts":                parts[0] + "." + parts[1],
		"four parts":               valid + ".x",
		"dots":                     "..",
		"bad base64":               "!!!." + parts[1] + "." + parts[2],
		"padded signature":         parts[0] + "." + parts[1] + "." + parts[2] + "==",
		"header not JSON":          enc("not json") + "." + parts[1] + "." + parts[2],
		"huge":                     strings.Repeat("a", 1<<20),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) { refused(t, f, tok) })
	}

	// Within the 60 s allowance: a 20 s skew either way is tolerated.
	if _, err := f.svc.VerifyIDToken(f.ctx, signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["nbf"] = now + 20 }))); err != nil {
		t.Errorf("nbf 20 s ahead: %v", err)
	}
	if _, err := f.svc.VerifyIDToken(f.ctx, signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["exp"] = now - 20 }))); err != nil {
		t.Errorf("exp 20 s ago: %v", err)
	}
	// aud as an array that contains the audience is valid (RFC 7519 §4.1.3).
	if _, err := f.svc.VerifyIDToken(f.ctx, signed(kidHeader("EdDSA"), claims(func(c map[string]any) { c["aud"] = []string{"x", "gatehouse"} }))); err != nil {
		t.Errorf("aud array: %v", err)
	}
}

// TestVerifyIDTokenMalformedNeverPanics mutates a valid token byte by byte.
func TestVerifyIDTokenMalformedNeverPanics(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	valid := f.signIDToken(t, m, auth.Session{ID: 1, MemberID: m.ID}, time.Hour)
	for i := 0; i < len(valid); i++ {
		for _, c := range []byte{'.', 'A', '_', '-', '=', 0, 0xff} {
			if valid[i] == c {
				continue
			}
			b := []byte(valid)
			b[i] = c
			_, err := f.svc.VerifyIDToken(f.ctx, string(b))
			if err == nil {
				// A change in the last character may only touch the unused bits
				// of the signature's base64; Strict decoding refuses those.
				t.Fatalf("mutated token at %d to %q verified", i, c)
			}
		}
		if _, err := f.svc.VerifyIDToken(f.ctx, valid[:i]); err == nil {
			t.Fatalf("truncated token (%d) verified", i)
		}
	}
}

func TestIDTokenKeyRotation(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sess := auth.Session{ID: 1, MemberID: m.ID}
	old := f.signIDToken(t, m, sess, time.Hour)
	oldKid := segment(t, old, 0)["kid"]

	f.clock.Advance(time.Minute)
	if err := f.svc.RotateSigningKey(f.ctx); err != nil {
		t.Fatal(err)
	}
	fresh := f.signIDToken(t, m, sess, 24*time.Hour)
	newKid := segment(t, fresh, 0)["kid"]
	if newKid == oldKid {
		t.Fatalf("rotation kept kid %v", oldKid)
	}
	for name, tok := range map[string]string{"old": old, "new": fresh} {
		if _, err := f.svc.VerifyIDToken(f.ctx, tok); err != nil {
			t.Errorf("%s token after rotation: %v", name, err)
		}
	}
	// Another instance (fresh cache) sees both keys too.
	other := f.service(t)
	if _, err := other.VerifyIDToken(f.ctx, old); err != nil {
		t.Errorf("old token on another instance: %v", err)
	}
	jwks, err := f.svc.JWKS(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	kids := map[string]bool{}
	for _, k := range jwks {
		kids[k.Kid] = true
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" || len(k.X) != 43 {
			t.Errorf("jwk = %+v", k)
		}
	}
	if len(jwks) != 2 || !kids[oldKid.(string)] || !kids[newKid.(string)] {
		t.Errorf("JWKS kids = %v, want %v and %v", kids, oldKid, newKid)
	}
	if jwks[0].Kid != newKid {
		t.Errorf("JWKS lists %s first, want the current key %s", jwks[0].Kid, newKid)
	}

	// The old token stays valid until its exp, not after.
	f.clock.Advance(time.Hour - time.Minute + auth.IDTokenLeeway)
	refused(t, f, old)
	if _, err := f.svc.VerifyIDToken(f.ctx, fresh); err != nil {
		t.Errorf("new token: %v", err)
	}

	// Retired keys leave the JWKS after the retention period.
	f.clock.Advance(auth.KeyRetention)
	jwks, err = f.svc.JWKS(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jwks) != 1 || jwks[0].Kid != newKid {
		t.Errorf("JWKS after retention = %+v, want only %v", jwks, newKid)
	}
}

func TestJWKSHasNoPrivateKey(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.JWKS(f.ctx); err != nil { // creates the first key
		t.Fatal(err)
	}
	if err := f.svc.RotateSigningKey(f.ctx); err != nil {
		t.Fatal(err)
	}
	jwks, err := f.svc.JWKS(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]any{"keys": jwks})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := f.e.Store.SigningKeys(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(jwks) != 2 {
		t.Fatalf("%d keys stored, %d in JWKS, want 2", len(keys), len(jwks))
	}
	doc := string(out)
	for _, k := range keys {
		priv := ed25519.NewKeyFromSeed(k.Private)
		for _, secret := range [][]byte{k.Private, priv} {
			for _, form := range []string{base64.RawURLEncoding.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret),
				hex.EncodeToString(secret), base64.RawURLEncoding.EncodeToString(secret[:16])} {
				if strings.Contains(doc, form) {
					t.Fatalf("JWKS %s contains private key material", doc)
				}
			}
		}
		if !strings.Contains(doc, base64.RawURLEncoding.EncodeToString(k.Public)) {
			t.Errorf("JWKS %s misses public key %s", doc, k.KID)
		}
		sum := sha256.Sum256(k.Public)
		if k.KID != base64.RawURLEncoding.EncodeToString(sum[:12]) {
			t.Errorf("kid %s is not derived from the public key", k.KID)
		}
	}
	if strings.Contains(doc, `"d"`) {
		t.Errorf("JWKS has a d member: %s", doc)
	}
	want := `{"kty":"OKP","crv":"Ed25519","x":`
	if !strings.Contains(doc, want) {
		t.Errorf("JWKS %s lacks %s", doc, want)
	}
}

// TestSigningKeyCreatedOnce: concurrent first uses on several instances that
// share one store create a single key.
func TestSigningKeyCreatedOnce(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	kids := make([]string, 6)
	errs := make([]error, 6)
	for i := range kids {
		svc := f.service(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var k auth.SigningKey
			k, errs[i] = auth.SigningKeyOf(svc, f.ctx)
			kids[i] = k.KID
		}()
	}
	wg.Wait()
	for i := range kids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if kids[i] != kids[0] {
			t.Errorf("instance %d uses kid %s, instance 0 %s", i, kids[i], kids[0])
		}
	}
	keys, err := f.e.Store.SigningKeys(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Errorf("%d keys stored, want 1", len(keys))
	}
}
