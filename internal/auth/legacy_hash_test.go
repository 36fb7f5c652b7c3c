package auth

import (
	"strings"
	"testing"
)

// The vectors below come from each scheme's own reference material:
//   - bcrypt: crypt_blowfish's wrapper.c test vectors (Openwall), as PHP's
//     ext/standard/tests/crypt/crypt_blowfish.phpt carries them;
//   - argon2i: the reference implementation's src/test.c (phc-winner-argon2);
//   - scrypt: RFC 7914 §12 (its test vectors, in PHC form), lambdaworks'
//     README ($s0$, password "secret"), passlib's PHC form as zitadel/passwap
//     generated it with passlib;
//   - Firebase scrypt: the example of github.com/firebase/scrypt's README;
//   - PBKDF2: Django's tests/auth_tests/test_hashers.py (5.1, "lètmein",
//     "seasalt"), RFC 7914 §11 for PBKDF2-HMAC-SHA256 (dkLen 64, as Keycloak
//     stores), and the PBKDF2-HMAC-SHA512 vector P="password" S="salt" c=1.
//
// Werkzeug's scrypt form is hashlib.scrypt's output (what Werkzeug calls).
var legacyVectors = []struct {
	name, password, raw, salt string
	fb                        *FirebaseParams
}{
	{"bcrypt 2a", "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "", nil},
	{"bcrypt 2a 72 bytes", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
		"$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", "", nil},
	{"bcrypt 2y", "\xff\xff\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "", nil},
	{"bcrypt 2b", "\xff\xff\xa3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "", nil},
	{"argon2i", "password", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA", "", nil},
	{"scrypt RFC 7914", "password", "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA", "", nil},
	{"scrypt RFC 7914 #3", "pleaseletmein", "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw==", "", nil},
	{"scrypt passlib", "password", "$scrypt$ln=16,r=8,p=1$cmFuZG9tc2FsdGlzaGFyZA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ", "", nil},
	{"scrypt $s0$", "secret", "$s0$e0801$epIxT/h6HbbwHaehFnh/bw==$7H0vsXlY8UxxyW/BWx/9GuY7jEvGjT71GFd6O4SZND0=", "", nil},
	{"scrypt werkzeug", "pleaseletmein", "scrypt:16384:8:1$SodiumChloride$7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887", "", nil},
	{"firebase scrypt", "user1password", "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "42xEC+ixf3L2lw==",
		&FirebaseParams{SignerKey: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", SaltSeparator: "Bw==", Rounds: 8, MemCost: 14}},
	{"django pbkdf2_sha256", "lètmein", "pbkdf2_sha256$870000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac=", "", nil},
	{"keycloak flat pbkdf2-sha256", "passwd", `{"value":"VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw==","salt":"c2FsdA==","algorithm":"pbkdf2-sha256","hashIterations":1}`, "", nil},
	{"keycloak export pbkdf2-sha256", "Password", `{"secretData":"{\"value\":\"TdzY9guYviGDDO5e8icB+WQaRBjQTAQUrv8Ih2s0q1ah1CWhIlgzVJrbhBtRybMXaicr3ruh0HhHj2Kzl/M8jQ==\",\"salt\":\"TmFDbA==\",\"additionalParameters\":{}}","credentialData":"{\"hashIterations\":80000,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}`, "", nil},
	{"keycloak pbkdf2-sha512", "password", `{"value":"hn9wzxreAs/zdSWZo6U9xK80x6ZpgVrl1RNVThyM8lLALUcKKFoFAbrZmb/pQ8CPBQI119aLHaVeY/c7YKV/zg==","salt":"c2FsdA==","algorithm":"pbkdf2-sha512","hashIterations":1}`, "", nil},
}

// TestLegacyVectors: every published vector normalizes, verifies its
// password (asking for a rehash) and refuses a wrong one.
func TestLegacyVectors(t *testing.T) {
	h := NewLegacyHasher(NewArgon2Pool(Argon2Params{Memory: 1024, Time: 1}, PoolOptions{}))
	for _, v := range legacyVectors {
		t.Run(v.name, func(t *testing.T) {
			stored, err := NormalizeImportedHash(v.raw, v.salt, v.fb)
			if err != nil {
				t.Fatalf("normalize: %v", err)
			}
			ok, rehash, err := h.Verify(v.password, stored)
			if err != nil || !ok || !rehash {
				t.Fatalf("Verify(right password, %s) = %v, %v, %v", stored, ok, rehash, err)
			}
			ok, rehash, err = h.Verify("x"+v.password, stored) // prefixed: bcrypt ignores bytes after 72
			if err != nil || ok || rehash {
				t.Fatalf("Verify(wrong password) = %v, %v, %v", ok, rehash, err)
			}
		})
	}
}

// TestLegacyHasherArgon2id: Gatehouse's own hashes go to Argon2 as before
// (no rehash with the configured parameters) and new hashes are argon2id.
func TestLegacyHasherArgon2id(t *testing.T) {
	h := NewLegacyHasher(NewArgon2Pool(Argon2Params{Memory: 1024, Time: 1}, PoolOptions{}))
	enc, err := h.Hash("correct horse battery")
	if err != nil || !strings.HasPrefix(enc, "$argon2id$") {
		t.Fatalf("Hash = %q, %v", enc, err)
	}
	if ok, rehash, err := h.Verify("correct horse battery", enc); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v %v %v", ok, rehash, err)
	}
	if s := h.PoolStats(); s.Busy != 0 {
		t.Fatalf("pool left busy: %+v", s)
	}
}

// TestLegacyRefused: unknown formats, the buggy $2x$, and costs beyond the
// bounds are refused before anything is computed.
func TestLegacyRefused(t *testing.T) {
	for _, raw := range []string{
		"5f4dcc3b5aa765d61d8327deb882cf99", // unsalted MD5
		"$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0",
		"$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
		"$2a$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$scrypt$ln=24,r=8,p=1$c2FsdA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ",
		"$scrypt$ln=10,r=8,p=99$c2FsdA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ",
		"pbkdf2_sha256$999999999$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac=",
		"pbkdf2_md5$1000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac=",
		`{"value":"AAAA","salt":"c2FsdA==","algorithm":"bcrypt","hashIterations":1}`,
		`{"value":`,
		"lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", // Firebase without its parameters
	} {
		if out, err := NormalizeImportedHash(raw, "", nil); err == nil {
			t.Errorf("NormalizeImportedHash(%q) = %q, want an error", raw, out)
		}
	}
	h := NewLegacyHasher(NewArgon2Pool(Argon2Params{Memory: 1024, Time: 1}, PoolOptions{}))
	if _, _, err := h.Verify("x", "$scrypt$ln=24,r=8,p=1$c2FsdA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ"); err == nil {
		t.Error("Verify computed an out-of-bounds scrypt")
	}
	if out, err := NormalizeImportedHash("", "", nil); out != "" || err != nil {
		t.Errorf("empty hash: %q %v", out, err)
	}
}
