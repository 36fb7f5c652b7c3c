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
	if c.Method() == fiber.MethodGet {
		pc.Path = string(c.Request().URI().RequestURI()) // a POST's page is left for the start page
	}
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
