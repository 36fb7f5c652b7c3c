// Package kuroco serves the Kuroco "Authentication" endpoints
// (docs/contract.md §2, seed 000) under /rcms-api/{api_id}/.
package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// prefix is where every kuroco operation lives; {api_id} is any positive
// integer and every api_id shares the one member base.
const prefix = "/rcms-api/:api_id/"

// Routes mounts the kuroco dialect. Middleware is attached per route (never
// with Group) so that it cannot leak onto other dialects; the catch-all for
// /rcms-api comes last and answers 404 in the kuroco envelope.
func Routes(app fiber.Router, d api.Deps) {
	route := func(method, op string, h fiber.Handler) {
		app.Add(method, prefix+op, withRequest(d), api.NoStore, checkAPIID, h)
	}
	get, post := fiber.MethodGet, fiber.MethodPost
	route(post, "login", loginChallenge(d))
	route(post, "token", token(d))
	route(get, "file_access_token", fileAccessToken(d))
	route(post, "alias_login", aliasLogin(d))
	route(post, "logout", logout(d))
	route(post, "reminder", reminder(d))
	route(post, "reset_password", resetPassword(d))
	route(get, "profile", profile(d))

	app.All("/rcms-api", withRequest(d), api.NoStore, unknownRoute)
	app.All("/rcms-api/*", withRequest(d), api.NoStore, unknownRoute)
}
