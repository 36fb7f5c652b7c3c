// Package directus serves Directus auth (docs/contract.md §5, seed 003) under
// /auth/…, /users/me/tfa/… and /graphql/system, and the /auth/login and
// /auth/logout routes it shares with openapi (§7).
package directus

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the directus dialect. It runs after openapi.Routes: the
// catch-all for unknown /auth routes comes last. Middleware is attached per
// route, never with Group.
func Routes(app fiber.Router, d api.Deps) {
	app.Post("/auth/login", api.NoStore, login(d))
	app.Post("/auth/logout", api.NoStore, logout(d))
	app.Post("/auth/refresh", api.NoStore, refresh(d))
	app.Post("/auth/password/request", passwordRequestOp(d))
	app.Post("/auth/password/reset", api.NoStore, passwordResetOp(d))
	app.Get("/auth", authProviders(d))
	app.Get("/auth/oauth", providerList(d))
	app.Get("/auth/oauth/:provider", api.NoStore, oauthStart(d))
	app.Get("/auth/login/:provider", api.NoStore, oauthStart(d))
	app.Get("/auth/oauth/:provider/callback", api.NoStore, oauthCallback(d))
	app.Get("/auth/login/:provider/callback", api.NoStore, oauthCallback(d))

	app.Get("/users/me", api.NoStore, readMe(d))
	app.Patch("/users/me", api.NoStore, updateMe(d))
	app.Post("/users/me/tfa/generate", api.NoStore, tfaGenerate(d))
	app.Post("/users/me/tfa/enable", tfaEnable(d))
	app.Post("/users/me/tfa/disable", tfaDisable(d))

	app.Post("/graphql/system", api.NoStore, graphqlSystem(d))

	app.All("/auth/*", notFoundCombined)
	app.All("/users/me/tfa/*", notFound)
	app.All("/users/me/tfa", notFound)
	app.All("/users/me/*", notFound)
	app.All("/graphql", notFound)
	app.All("/graphql/*", notFound)
}
