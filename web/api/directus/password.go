package directus

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// passwordRequestOp is POST /auth/password/request (seed 003 "Request
// Password Reset"): 204 for known and unknown emails alike; a reset_url
// outside PASSWORD_RESET_URL_ALLOW_LIST is 400 INVALID_PAYLOAD for a known
// email as for an unknown one (the core decides); over the per-IP or
// per-address limit 429 with Retry-After.
func passwordRequestOp(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req passwordRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if err := requestReset(c, d, req); err != nil {
			return respondError(c, d, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func requestReset(c *fiber.Ctx, d api.Deps, req passwordRequest) error {
	if err := api.Required("email", req.Email); err != nil {
		return err
	}
	return d.Auth.RequestReset(c.UserContext(), auth.ResetRequest{
		Identifier: strings.Clone(req.Email),
		Mode:       auth.ResetLink,
		URL:        strings.Clone(req.ResetURL),
		Door:       auth.ViaDirectus,
		IP:         api.Meta(c).IP,
	})
}

// passwordResetOp is POST /auth/password/reset (seed 003 "Reset a
// Password"): 204; expired token 401 TOKEN_EXPIRED; used or bad token 403
// INVALID_TOKEN; a weak password 400 INVALID_PAYLOAD naming the rule.
func passwordResetOp(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req passwordReset
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if err := resetPassword(c, d, req); err != nil {
			return respondTokenError(c, d, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func resetPassword(c *fiber.Ctx, d api.Deps, req passwordReset) error {
	if err := api.Required("token", req.Token, "password", req.Password); err != nil {
		return err
	}
	return d.Auth.ResetPassword(c.UserContext(), strings.Clone(req.Token), req.Password, api.Meta(c))
}
