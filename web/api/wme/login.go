package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// login implements seed 001 "Login" (POST /v1/login): username and password
// give id, access and refresh tokens. A member whose password was set by an
// administrator as temporary gets the NEW_PASSWORD_REQUIRED challenge and a
// session for /v1/new-password-required instead, still with 200.
func login(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req loginRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("username", req.Username, "password", req.Password)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		_, t, err := d.Auth.LoginTokens(c.UserContext(), auth.LoginInput{
			Identifier: req.Username, Password: req.Password, Via: auth.ViaWME, Meta: api.Meta(c),
		})
		if e := auth.AsError(err); e != nil && e.Code == auth.ENEWPASSWORD && e.Challenge != "" {
			return c.JSON(loginResponse{ChallengeName: challengeNewPassword, Session: e.Challenge})
		}
		if err != nil {
			return respondError(c, d, err)
		}
		return c.JSON(tokensResponse(d, t))
	}
}

// tokensResponse is the token body of login and new-password-required.
func tokensResponse(d api.Deps, t auth.Tokens) loginResponse {
	return loginResponse{IDToken: t.IDToken, AccessToken: t.Access, RefreshToken: t.Refresh, ExpiresIn: expiresIn(d)}
}

// expiresIn is the access token lifetime of the wme policy in seconds
// (86400 by default, api-contract §1).
func expiresIn(d api.Deps) int {
	return int(d.Auth.Config().Policies[auth.ViaWME].Access.Seconds())
}
