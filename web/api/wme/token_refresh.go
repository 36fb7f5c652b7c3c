package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// errRefreshInvalid is the one answer for a refresh token that is unknown,
// expired, revoked, of another kind, or not the named user's: the answer
// never tells which.
var errRefreshInvalid = &auth.Error{Code: auth.EUNAUTHORIZED, Message: "Invalid or expired refresh token."}

// tokenRefresh implements seed 001 "Refresh Token" (POST /v1/token-refresh):
// a refresh token and its user's username give new access and id tokens.
// The refresh token is kept (no rotation in wme); each one mints a limited
// number of access tokens, after which the answer is 403.
func tokenRefresh(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tokenRefreshRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("username", req.Username, "refresh_token", req.RefreshToken)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		// The core refuses another member's token before minting anything.
		_, t, err := d.Auth.RefreshTokensAs(c.UserContext(), auth.ViaWME, req.RefreshToken, req.Username)
		switch auth.ErrorCode(err) {
		case "":
		case auth.EUNAUTHORIZED, auth.EEXPIRED, auth.ENOTFOUND:
			return respondError(c, d, errRefreshInvalid)
		default:
			return respondError(c, d, err)
		}
		return c.JSON(refreshResponse{IDToken: t.IDToken, AccessToken: t.Access, ExpiresIn: expiresIn(d)})
	}
}
