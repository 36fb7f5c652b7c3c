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
			return c.JSON(loginResponse{ChallengeName: str(challengeNewPassword), Session: str(e.Challenge)})
		}
		if err != nil {
			return respondError(c, d, err)
		}
		n := tokensResponse(d, t)
		return c.JSON(loginResponse{IDToken: n.IDToken, AccessToken: n.AccessToken, RefreshToken: n.RefreshToken, ExpiresIn: n.ExpiresIn})
	}
}

// tokensResponse is the token body of login and new-password-required
// (challenge_name and session null).
func tokensResponse(d api.Deps, t auth.Tokens) newPasswordResponse {
	exp := expiresIn(d)
	return newPasswordResponse{IDToken: str(t.IDToken), AccessToken: str(t.Access), RefreshToken: str(t.Refresh), ExpiresIn: &exp}
}

// expiresIn is the access token lifetime of the wme policy in seconds
// (86400 by default, docs/contract.md §1).
func expiresIn(d api.Deps) int {
	return int(d.Auth.Config().Policies[auth.ViaWME].Access.Seconds())
}
