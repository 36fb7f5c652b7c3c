package web

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
)

// render writes a templ page with the cross-cutting page context (CSRF token,
// the one-time flash, the signed-in member). Reading the flash consumes it.
func (s *server) render(c *fiber.Ctx, status int, page templ.Component) error {
	ac := s.auth.Config()
	pc := views.PageContext{DevMail: s.cfg.DevMail, ProductName: s.cfg.ProductName,
		PasswordMinLength: ac.MinPasswordLength, ResetMinutes: int(ac.ResetTTL.Minutes())}
	if ps := sess(c); ps != nil && ps.s != nil {
		pc.CSRF = maskToken(ps.csrf())
		if f, ok := ps.get(keyFlash).(string); ok {
			pc.Flash = f
			ps.del(keyFlash)
		}
	}
	pc.Failed = status >= 400
	pc.Member, _ = currentMember(c)
	pc.Proxy = s.proxyBanner(c)
	pc.Lang = pageLanguage(c, pc.Member)
	if pc.Member != nil {
		pc.Location = pc.Member.Location()
	}
	pc.Path = switchBack(c, status)
	c.Set(fiber.HeaderContentLanguage, pc.Lang)
	c.Vary(fiber.HeaderAcceptLanguage) // the same URL answers in another language
	c.Status(status)
	c.Type("html", "utf-8")
	return page.Render(views.WithPage(c.UserContext(), pc), c.Response().BodyWriter())
}

// redirect answers a form POST with 303 See Other.
func redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(to, fiber.StatusSeeOther)
}

// secretParams are query parameters that carry a secret (reset and
// invitation tokens, a provider's code and state): never echoed into a page.
var secretParams = []string{"token", "invite", "code", "state"}

// switchBack is where the footer's language switch returns: this page for a
// successful GET, without its query when the query carries a secret; the
// start page ("") after a POST or for an error page, which may not be
// shown again and whose URL is not worth echoing.
func switchBack(c *fiber.Ctx, status int) string {
	if c.Method() != fiber.MethodGet || status >= 400 {
		return ""
	}
	for _, k := range secretParams {
		if c.Context().QueryArgs().Has(k) {
			return c.Path()
		}
	}
	return string(c.Request().URI().RequestURI())
}
