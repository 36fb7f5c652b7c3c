package auth

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FirebaseParams are a Firebase project's password hash parameters, as the
// console shows them (Authentication → Users → ⋮ → Password hash
// parameters): base64 signer key and salt separator, rounds and memory
// cost.
type FirebaseParams struct {
	SignerKey     string
	SaltSeparator string
	Rounds        int
	MemCost       int
}

// NormalizeImportedHash turns a password hash as another server exports it
// into the form LegacyHasher stores (see its doc), or explains why it
// cannot. Accepted:
//
//   - bcrypt $2a$, $2b$, $2y$ (not $2x$, crypt_blowfish's pre-2011 bug);
//   - argon2id and argon2i in PHC form ($argon2id$v=19$m=…,t=…,p=…$salt$hash);
//   - scrypt in PHC form $scrypt$ln=L,r=R,p=P$salt$hash (passlib; base64
//     with '+' or '.', padded or not), lambdaworks' $s0$<hex params>$salt$key,
//     and Werkzeug's scrypt:N:r:p$salt$<hex hash>;
//   - Firebase scrypt: the base64 passwordHash of a Firebase export with its
//     base64 salt (salt) and the project's parameters (fb), or the stored
//     $firebase-scrypt$ form;
//   - PBKDF2-HMAC-SHA256/SHA512/SHA1: Django's pbkdf2_sha256$iter$salt$hash,
//     passlib's $pbkdf2-sha256$iter$salt$hash, and Keycloak's credential
//     JSON (the flat {"value","salt","algorithm","hashIterations"} form or
//     {"secretData","credentialData"} as in a realm export).
//
// An empty hash stays empty: the member has no password until a reset.
func NormalizeImportedHash(raw, salt string, fb *FirebaseParams) (string, error) {
	raw = strings.TrimSpace(raw)
	out, err := normalize(raw, salt, fb)
	if err != nil || out == "" {
		return out, err
	}
	if strings.HasPrefix(out, "$argon2id$") {
		if _, err := parseArgon2id(out); err != nil {
			return "", fmt.Errorf("%w: %v", errLegacyFormat, err)
		}
		return out, nil
	}
	if _, err := parseLegacy(out); err != nil {
		return "", err
	}
	return out, nil
}

func normalize(raw, salt string, fb *FirebaseParams) (string, error) {
	std := base64.RawStdEncoding
	switch {
	case raw == "":
		return "", nil
	case strings.HasPrefix(raw, "$2x$"):
		return "", fmt.Errorf("%w: bcrypt $2x$ (hashes of crypt_blowfish's 8-bit bug) cannot be verified", errLegacyFormat)
	case strings.HasPrefix(raw, "$argon2id$"), strings.HasPrefix(raw, "$argon2i$"), strings.HasPrefix(raw, "$2"),
		strings.HasPrefix(raw, "$firebase-scrypt$"):
		return raw, nil
	case strings.HasPrefix(raw, "$scrypt$"):
		f := strings.Split(raw, "$")
		if len(f) != 5 {
			return "", fmt.Errorf("%w: scrypt: want $scrypt$ln=L,r=R,p=P$salt$hash", errLegacyFormat)
		}
		s, err1 := anyB64(f[3])
		h, err2 := anyB64(f[4])
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("%w: scrypt: bad base64", errLegacyFormat)
		}
		return "$scrypt$" + f[2] + "$" + std.EncodeToString(s) + "$" + std.EncodeToString(h), nil
	case strings.HasPrefix(raw, "$s0$"):
		f := strings.Split(raw, "$")
		if len(f) != 5 {
			return "", fmt.Errorf("%w: $s0$: want $s0$params$salt$key", errLegacyFormat)
		}
		p, err := strconv.ParseUint(f[2], 16, 32)
		s, err1 := anyB64(f[3])
		h, err2 := anyB64(f[4])
		if err != nil || err1 != nil || err2 != nil {
			return "", fmt.Errorf("%w: $s0$: bad parameters or base64", errLegacyFormat)
		}
		return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", p>>16, p>>8&0xff, p&0xff, std.EncodeToString(s), std.EncodeToString(h)), nil
	case strings.HasPrefix(raw, "scrypt:"):
		// Werkzeug: scrypt:N:r:p$salt$hexhash, the salt used as text.
		f := strings.Split(raw, "$")
		ps := strings.Split(strings.TrimPrefix(f[0], "scrypt:"), ":")
		if len(f) != 3 || len(ps) != 3 {
			return "", fmt.Errorf("%w: scrypt: want scrypt:N:r:p$salt$hexhash", errLegacyFormat)
		}
		n, err := strconv.Atoi(ps[0])
		h, herr := hex.DecodeString(f[2])
		if err != nil || herr != nil || n < 2 || n&(n-1) != 0 {
			return "", fmt.Errorf("%w: scrypt: bad N or hex hash", errLegacyFormat)
		}
		ln := 0
		for 1<<ln < n {
			ln++
		}
		return fmt.Sprintf("$scrypt$ln=%d,r=%s,p=%s$%s$%s", ln, ps[1], ps[2], std.EncodeToString([]byte(f[1])), std.EncodeToString(h)), nil
	case strings.HasPrefix(raw, "pbkdf2_"):
		// Django: pbkdf2_sha256$iterations$salt$base64hash, salt as text.
		f := strings.Split(raw, "$")
		if len(f) != 4 {
			return "", fmt.Errorf("%w: pbkdf2: want pbkdf2_sha256$iterations$salt$hash", errLegacyFormat)
		}
		h, err := anyB64(f[3])
		if err != nil {
			return "", fmt.Errorf("%w: pbkdf2: bad base64", errLegacyFormat)
		}
		return pbkdf2Form(strings.TrimPrefix(f[0], "pbkdf2_"), f[1], []byte(f[2]), h)
	case strings.HasPrefix(raw, "$pbkdf2-"):
		f := strings.Split(raw, "$")
		if len(f) != 5 {
			return "", fmt.Errorf("%w: pbkdf2: want $pbkdf2-sha256$iterations$salt$hash", errLegacyFormat)
		}
		s, err1 := anyB64(f[3])
		h, err2 := anyB64(f[4])
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("%w: pbkdf2: bad base64", errLegacyFormat)
		}
		return pbkdf2Form(strings.TrimPrefix(f[1], "pbkdf2-"), strings.TrimPrefix(f[2], "i="), s, h)
	case strings.HasPrefix(raw, "{"):
		return keycloakForm(raw)
	case fb != nil && salt != "":
		return firebaseForm(raw, salt, fb)
	}
	return "", fmt.Errorf("%w (not bcrypt, argon2, scrypt, Firebase scrypt with --firebase-* and a salt, PBKDF2 or Keycloak JSON)", errLegacyFormat)
}

func pbkdf2Form(digest, iter string, salt, h []byte) (string, error) {
	n, err := strconv.Atoi(iter)
	if err != nil {
		return "", fmt.Errorf("%w: pbkdf2: iterations %q", errLegacyFormat, iter)
	}
	std := base64.RawStdEncoding
	return fmt.Sprintf("$pbkdf2-%s$i=%d$%s$%s", digest, n, std.EncodeToString(salt), std.EncodeToString(h)), nil
}

// keycloakForm reads a Keycloak password credential.
func keycloakForm(raw string) (string, error) {
	var c struct {
		Value          string `json:"value"`
		Salt           string `json:"salt"`
		Algorithm      string `json:"algorithm"`
		HashIterations int    `json:"hashIterations"`
		SecretData     string `json:"secretData"`
		CredentialData string `json:"credentialData"`
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return "", fmt.Errorf("%w: Keycloak credential: %v", errLegacyFormat, err)
	}
	if c.SecretData != "" || c.CredentialData != "" {
		if err := json.Unmarshal([]byte(c.SecretData), &c); err != nil {
			return "", fmt.Errorf("%w: Keycloak secretData: %v", errLegacyFormat, err)
		}
		if err := json.Unmarshal([]byte(c.CredentialData), &c); err != nil {
			return "", fmt.Errorf("%w: Keycloak credentialData: %v", errLegacyFormat, err)
		}
	}
	digest, ok := map[string]string{"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[c.Algorithm]
	if !ok {
		return "", fmt.Errorf("%w: Keycloak algorithm %q (pbkdf2, pbkdf2-sha256 or pbkdf2-sha512)", errLegacyFormat, c.Algorithm)
	}
	s, err1 := anyB64(c.Salt)
	h, err2 := anyB64(c.Value)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("%w: Keycloak credential: bad base64", errLegacyFormat)
	}
	return pbkdf2Form(digest, strconv.Itoa(c.HashIterations), s, h)
}

// firebaseForm combines a Firebase export's passwordHash and salt with the
// project's parameters.
func firebaseForm(hash, salt string, fb *FirebaseParams) (string, error) {
	std := base64.RawStdEncoding
	parts := map[string]string{"passwordHash": hash, "salt": salt, "signer key": fb.SignerKey, "salt separator": fb.SaltSeparator}
	dec := map[string][]byte{}
	for name, v := range parts {
		b, err := anyB64(v)
		if err != nil {
			return "", fmt.Errorf("%w: Firebase %s: bad base64", errLegacyFormat, name)
		}
		dec[name] = b
	}
	return fmt.Sprintf("$firebase-scrypt$r=%d,m=%d$%s$%s$%s$%s", fb.Rounds, fb.MemCost,
		std.EncodeToString(dec["salt separator"]), std.EncodeToString(dec["signer key"]),
		std.EncodeToString(dec["salt"]), std.EncodeToString(dec["passwordHash"])), nil
}

// anyB64 decodes base64 as other servers write it: standard or URL
// alphabet, passlib's '.' for '+', padded or not.
func anyB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer(".", "+", "-", "+", "_", "/").Replace(s)
	return base64.RawStdEncoding.DecodeString(s)
}
