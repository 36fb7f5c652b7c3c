package web

import (
	"github.com/gofiber/fiber/v2"
)

// handleJWKS serves the public keys that verify id_tokens
// (GET /.well-known/jwks.json).
func (s *server) handleJWKS() fiber.Handler {
	return func(c *fiber.Ctx) error {
		keys, err := s.auth.JWKS(c.UserContext())
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.JSON(fiber.Map{"keys": keys})
	}
}

// handleOpenIDConfiguration serves the OpenID discovery document
// (GET /.well-known/openid-configuration). Gatehouse issues id_tokens from
// password logins (wme), not through an authorization endpoint, so only
// the fields that describe its tokens are given.
func (s *server) handleOpenIDConfiguration() fiber.Handler {
	return func(c *fiber.Ctx) error {
		cfg := s.auth.Config()
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.JSON(fiber.Map{
			"issuer":                                cfg.Issuer,
			"jwks_uri":                              cfg.BaseURL + "/.well-known/jwks.json",
			"token_endpoint":                        cfg.BaseURL + "/v1/login",
			"grant_types_supported":                 []string{"password", "refresh_token"},
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"EdDSA"},
			"token_endpoint_auth_methods_supported": []string{"none"},
			"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "nbf", "email", "preferred_username", "sid", "act"},
		})
	}
}
