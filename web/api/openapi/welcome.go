package openapi

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// welcome implements `POST /auth` (seed 004, post__auth): "Welcome
// authenticated user". Any token carrier of docs/contract.md §1 is accepted.
func welcome(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _, err := api.Authenticate(c, d)
		if err != nil {
			if errors.Is(err, api.ErrTwoCarriers) {
				err = &auth.Error{Code: auth.EINVALID, Message: api.ErrTwoCarriers.Message,
					Fields: map[string]string{"access_token": api.ErrTwoCarriers.Message}}
			}
			if auth.ErrorCode(err) == auth.EUNAUTHORIZED || auth.ErrorCode(err) == auth.EEXPIRED {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="Gatehouse"`)
			}
			return respondError(c, d.Log, err)
		}
		return c.JSON(welcomeResponse{Message: "Welcome, " + m.DisplayName(), User: userOf(m, false)})
	}
}
