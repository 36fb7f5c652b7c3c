package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// tokenRevoke implements seed 001 "Revoke Token" (POST /v1/token-revoke):
// the refresh token's session ends, and with it every access token it
// minted. Unknown, malformed, already revoked or non-refresh tokens get the
// same 204 and change nothing (RFC 7009 §2.2, docs/security.md T6).
func tokenRevoke(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tokenRevokeRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("refresh_token", req.RefreshToken)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		if err := d.Auth.RevokeRefreshToken(c.UserContext(), req.RefreshToken); err != nil {
			return respondError(c, d, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
