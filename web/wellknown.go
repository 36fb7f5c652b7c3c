package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/oidcop"
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
// (GET /.well-known/openid-configuration): the OpenID Provider's endpoints
// (web/oidc.go) and the keys every Gatehouse id_token is signed with. wme's
// password login (/v1/login) issues id_tokens from the same keys outside
// this document's flows.
func (s *server) handleOpenIDConfiguration() fiber.Handler {
	return func(c *fiber.Ctx) error {
		cfg := s.auth.Config()
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.JSON(fiber.Map{
			"issuer":                                        cfg.Issuer,
			"jwks_uri":                                      cfg.BaseURL + "/.well-known/jwks.json",
			"authorization_endpoint":                        cfg.BaseURL + oidcop.PathAuthorize,
			"token_endpoint":                                cfg.BaseURL + oidcop.PathToken,
			"userinfo_endpoint":                             cfg.BaseURL + oidcop.PathUserinfo,
			"revocation_endpoint":                           cfg.BaseURL + oidcop.PathRevoke,
			"introspection_endpoint":                        cfg.BaseURL + oidcop.PathIntrospect,
			"end_session_endpoint":                          cfg.BaseURL + oidcop.PathEndSession,
			"scopes_supported":                              []string{"openid", "profile", "email", "offline_access"},
			"response_types_supported":                      []string{"code"},
			"response_modes_supported":                      []string{"query"},
			"grant_types_supported":                         []string{"authorization_code", "refresh_token", "client_credentials"},
			"subject_types_supported":                       []string{"public"},
			"id_token_signing_alg_values_supported":         []string{"EdDSA"},
			"code_challenge_methods_supported":              []string{"S256"},
			"token_endpoint_auth_methods_supported":         []string{"client_secret_basic", "client_secret_post", "none"},
			"revocation_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post", "none"},
			"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
			"acr_values_supported":                          []string{"gatehouse:1fa", "gatehouse:2fa"},
			"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "acr", "amr", "at_hash",
				"email", "email_verified", "name", "given_name", "family_name", "preferred_username", "sid", "act"},
		})
	}
}
