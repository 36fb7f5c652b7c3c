package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// fileAccessToken implements seed 000 "Login › file_access_token": a
// short-lived token (300 s) that opens the member's files and nothing else.
// The seed shows only "file_access_token"; the body also carries the empty
// "errors" and "messages" that docs/contract.md §2 puts on every success.
func fileAccessToken(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, s, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, err)
		}
		g, err := d.Auth.FileAccessToken(c.UserContext(), s.ID)
		if err != nil {
			return respondError(c, err)
		}
		return c.JSON(fileTokenResponse{FileAccessToken: tokenValue{g.Token, unix(g.ExpiresAt)},
			Messages: []string{}, Errors: []wireError{}})
	}
}
