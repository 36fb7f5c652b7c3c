package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// id_tokens (docs/contract.md §1, docs/security.md T1) are compact JWS (RFC 7515) with
// alg EdDSA (RFC 8037), hand-rolled: the package may not import a JWT library
// and the format needed here is small.

// idTokenLeeway is the clock skew tolerated on exp, nbf and iat (T1: at most
// 60 s).
const idTokenLeeway = 30 * time.Second

// maxIDTokenLen bounds the input VerifyIDToken looks at.
const maxIDTokenLen = 8 << 10

// JWK is one public key of the JWKS document (OKP / Ed25519, RFC 8037).
type JWK struct {
	Kty string `json:"kty"` // "OKP"
	Crv string `json:"crv"` // "Ed25519"
	X   string `json:"x"`   // base64url public key
	Kid string `json:"kid"`
	Alg string `json:"alg"` // "EdDSA"
	Use string `json:"use"` // "sig"
}

// IDClaims are the verified claims of an id_token.
type IDClaims struct {
	Issuer    string
	Subject   string // the member id
	Audience  string
	Email     string
	Username  string // preferred_username
	IssuedAt  int64
	ExpiresAt int64
	NotBefore int64
	KeyID     string
	SessionID int64 // sid
	ActorID   int64 // act.sub: the real member behind a proxy session; 0 when none
}

// jwtHeader is the protected header of an id_token.
type jwtHeader struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ,omitempty"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

// idTokenClaims is the payload of an id_token, in the order it is written.
type idTokenClaims struct {
	Iss               string    `json:"iss"`
	Sub               string    `json:"sub"`
	Aud               audience  `json:"aud"`
	Exp               *int64    `json:"exp"`
	Iat               *int64    `json:"iat"`
	Nbf               *int64    `json:"nbf,omitempty"`
	Email             string    `json:"email"`
	PreferredUsername string    `json:"preferred_username,omitempty"`
	TokenUse          string    `json:"token_use"`
	Sid               string    `json:"sid"`
	Act               *actClaim `json:"act,omitempty"`
}

// actClaim is the RFC 8693 actor claim of a proxy session.
type actClaim struct {
	Sub string `json:"sub"`
}

// audience is the aud claim: written as a string, read as a string or an
// array of strings (RFC 7519 §4.1.3).
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]string)(a))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*a = audience{s}
	return nil
}

func (a audience) contains(want string) bool {
	for _, v := range a {
		if v == want {
			return true
		}
	}
	return false
}

// errBadIDToken is the one answer to every refused id_token (the same text
// as the token core's errInvalidToken).
var errBadIDToken = &Error{Code: EUNAUTHORIZED, Message: "Invalid token."}

// b64 decodes base64url without padding, refusing non-canonical encodings.
var b64 = base64.RawURLEncoding.Strict()

// signIDToken issues an id_token for the member's session, valid for ttl (and
// never beyond the session's absolute end).
func (s *Service) signIDToken(ctx context.Context, m Member, sess Session, ttl time.Duration) (string, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	now := s.clock()
	exp := now.Add(ttl)
	if !sess.ExpiresAt.IsZero() && sess.ExpiresAt.Before(exp) {
		exp = sess.ExpiresAt
	}
	iat, expU := now.Unix(), exp.Unix()
	claims := idTokenClaims{
		Iss:               s.cfg.Issuer,
		Sub:               strconv.FormatInt(m.ID, 10),
		Aud:               audience{s.cfg.Audience},
		Exp:               &expU,
		Iat:               &iat,
		Nbf:               &iat,
		Email:             m.Email,
		PreferredUsername: m.Username,
		TokenUse:          "id",
		Sid:               strconv.FormatInt(sess.ID, 10),
	}
	if sess.ActorID != 0 {
		claims.Act = &actClaim{Sub: strconv.FormatInt(sess.ActorID, 10)}
	}
	header, err := json.Marshal(jwtHeader{Alg: "EdDSA", Typ: "JWT", Kid: key.KID})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(key.Private), []byte(input))
	return input + "." + b64.EncodeToString(sig), nil
}

// JWKS returns the public keys that verify id_tokens: the current key and the
// keys retired less than 90 days ago (longer if a policy's id_tokens live
// longer), so every unexpired token finds its key. A key is created at first
// use. Only public halves are returned.
func (s *Service) JWKS(ctx context.Context) ([]JWK, error) {
	keys, err := s.publicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]JWK, 0, len(keys))
	for _, k := range keys {
		out = append(out, JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(k.Public), Kid: k.KID, Alg: "EdDSA", Use: "sig"})
	}
	return out, nil
}

// VerifyIDToken checks an id_token: EdDSA only (alg pinned), a known kid,
// signature, iss, aud, exp (required; 30 s leeway), nbf and iat (not in the
// future beyond the leeway), token_use "id". Every refusal is the same
// EUNAUTHORIZED "Invalid token.".
func (s *Service) VerifyIDToken(ctx context.Context, token string) (IDClaims, error) {
	if len(token) > maxIDTokenLen {
		return IDClaims{}, errBadIDToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return IDClaims{}, errBadIDToken
	}
	var h jwtHeader
	if !decodeSegment(parts[0], &h) || h.Alg != "EdDSA" || h.Kid == "" || h.Crit != nil ||
		(h.Typ != "" && !strings.EqualFold(h.Typ, "JWT")) {
		return IDClaims{}, errBadIDToken
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return IDClaims{}, errBadIDToken
	}
	key, ok, err := s.verificationKey(ctx, h.Kid)
	if err != nil {
		return IDClaims{}, err
	}
	if !ok || !ed25519.Verify(ed25519.PublicKey(key.Public), []byte(parts[0]+"."+parts[1]), sig) {
		return IDClaims{}, errBadIDToken
	}
	var c idTokenClaims
	if !decodeSegment(parts[1], &c) {
		return IDClaims{}, errBadIDToken
	}
	now := s.clock()
	leeway := int64(idTokenLeeway / time.Second)
	switch {
	case c.Iss != s.cfg.Issuer, !c.Aud.contains(s.cfg.Audience), c.TokenUse != "id", c.Sub == "":
		return IDClaims{}, errBadIDToken
	case c.Exp == nil || now.Unix() >= *c.Exp+leeway:
		return IDClaims{}, errBadIDToken
	case c.Nbf != nil && now.Unix()+leeway < *c.Nbf:
		return IDClaims{}, errBadIDToken
	case c.Iat != nil && now.Unix()+leeway < *c.Iat:
		return IDClaims{}, errBadIDToken
	}
	out := IDClaims{Issuer: c.Iss, Subject: c.Sub, Audience: s.cfg.Audience, Email: c.Email,
		Username: c.PreferredUsername, ExpiresAt: *c.Exp, KeyID: key.KID}
	if c.Iat != nil {
		out.IssuedAt = *c.Iat
	}
	if c.Nbf != nil {
		out.NotBefore = *c.Nbf
	}
	if c.Sid != "" {
		if out.SessionID, err = strconv.ParseInt(c.Sid, 10, 64); err != nil {
			return IDClaims{}, errBadIDToken
		}
	}
	if c.Act != nil {
		if out.ActorID, err = strconv.ParseInt(c.Act.Sub, 10, 64); err != nil {
			return IDClaims{}, errBadIDToken
		}
	}
	return out, nil
}

// decodeSegment decodes one base64url JSON object of a compact JWS into v.
func decodeSegment(seg string, v any) bool {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return false
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}
