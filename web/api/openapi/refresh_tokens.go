package openapi

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// refreshTokens implements `POST /auth/refresh-tokens` (seed 004,
// post__auth_refresh-tokens): the refresh token rotates on every use; a
// rotated token replayed after the grace window ends the session (401).
func refreshTokens(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req refreshRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d.Log, err)
		}
		if err := api.Required("refreshToken", req.RefreshToken); err != nil {
			return respondError(c, d.Log, err)
		}
		_, t, err := d.Auth.RefreshTokens(c.UserContext(), auth.ViaOpenAPI, req.RefreshToken)
		if err != nil {
			return respondError(c, d.Log, err)
		}
		return c.JSON(tokensOf(t))
	}
}
