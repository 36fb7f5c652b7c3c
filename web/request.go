package web

import (
	"crypto/rand"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// clientMeta describes the caller for sessions, audit and the login gate,
// as the dialects do. Strings are copied: Fiber reuses its buffers after the
// handler returns.
func clientMeta(c *fiber.Ctx) auth.ClientMeta { return api.Meta(c) }

// deviceMeta is clientMeta for the sign-in forms: a browser without a
// device cookie gets one, so that once it signs in, the login gate tells it
// from strangers hammering the same account (internal/auth/gate.go).
func (s *server) deviceMeta(c *fiber.Ctx) auth.ClientMeta {
	m := clientMeta(c)
	if m.Device == "" || len(m.Device) > 128 {
		m.Device = rand.Text()
		c.Cookie(&fiber.Cookie{
			Name: api.CookieDevice, Value: m.Device, Path: "/", MaxAge: deviceCookieAge,
			HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
	return m
}

// deviceCookieAge is the device cookie's lifetime in seconds (400 days,
// the most browsers keep).
const deviceCookieAge = 400 * 24 * 3600

// form returns a copy of a form value.
func form(c *fiber.Ctx, key string) string { return strings.Clone(c.FormValue(key)) }
