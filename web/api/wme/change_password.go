package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// errPreviousPassword answers a wrong previous_password: bad credentials
// (401 in docs/contract.md §3), not a malformed body.
var errPreviousPassword = &auth.Error{Code: auth.EUNAUTHORIZED, Message: "Incorrect previous_password."}

// changePassword implements seed 001 "Change Password" (POST
// /v1/change-password): the access token names the member, the previous
// password proves them, and the proposed one replaces it. Every other
// session of the member ends; the calling one stays signed in.
func changePassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req changePasswordRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("access_token", req.AccessToken, "previous_password", req.PreviousPassword,
				"proposed_password", req.ProposedPassword)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		ctx := c.UserContext()
		_, sess, err := d.Auth.AuthenticateToken(ctx, req.AccessToken)
		if err != nil {
			return respondError(c, d, err)
		}
		err = d.Auth.ChangePassword(ctx, auth.ChangePasswordInput{
			SessionID: sess.ID, Current: req.PreviousPassword, New: req.ProposedPassword, SignOutOthers: true,
			Meta: api.Meta(c),
		})
		if _, wrong := auth.ErrorFields(err)["current_password"]; wrong {
			return respondError(c, d, errPreviousPassword)
		}
		if err != nil {
			return respondError(c, d, wireFields(err, "new_password", "proposed_password", "password", "proposed_password"))
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
