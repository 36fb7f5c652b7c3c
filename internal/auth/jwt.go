package auth

import "context"

// JWK is one public key of the JWKS document (OKP / Ed25519).
type JWK struct {
	Kty string
	Crv string
	X   string // base64url public key
	Kid string
	Alg string
	Use string
}

// IDClaims are the verified claims of an id_token.
type IDClaims struct {
	Issuer    string
	Subject   string
	Audience  string
	Email     string
	Username  string
	IssuedAt  int64
	ExpiresAt int64
	KeyID     string
}

// JWKS returns the public keys that verify id_tokens (current and retired
// keys whose tokens may still be alive).
func (s *Service) JWKS(ctx context.Context) ([]JWK, error) {
	return nil, errNotYet
}

// VerifyIDToken checks an id_token: EdDSA only (alg pinned), a known kid,
// signature, iss, aud, exp (60 s leeway at most), nbf and iat.
func (s *Service) VerifyIDToken(ctx context.Context, token string) (IDClaims, error) {
	return IDClaims{}, errNotYet
}
