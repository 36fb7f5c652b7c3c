package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// langCookie holds the language the footer switch chose for this browser.
const langCookie = "lang"

// pageLanguage decides the language of this request's page with
// auth.ChooseLanguage: the member's setting, the lang cookie, then
// Accept-Language.
func pageLanguage(c *fiber.Ctx, m *auth.Member) string {
	setting := ""
	if m != nil {
		setting = m.Language
	}
	return auth.ChooseLanguage(setting, c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage))
}

// handleLanguage is the footer's language switch (POST /language: lang,
// back): it remembers the choice in a cookie for a year, saves it as the
// signed-in member's setting (outside a proxy session), and returns to the
// page it came from. An unknown language is refused with the error page.
func (s *server) handleLanguage() fiber.Handler {
	return func(c *fiber.Ctx) error {
		lang := form(c, "lang")
		if !auth.SupportedLanguage(lang) {
			return auth.FieldError("lang", "Choose a language offered on the page.")
		}
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"), HTTPOnly: true, SameSite: "Lax"})
		// A signed-in member's setting would win over the cookie, so the
		// switch changes it too; a proxy session changes nothing of B's.
		if m, _ := currentMember(c); m != nil && !currentActor(c).Proxied() {
			if err := s.auth.SetLanguage(c.UserContext(), m.ID, lang); err != nil {
				return err
			}
		}
		return redirect(c, localBack(form(c, "back")))
	}
}

// localBack keeps a return path on this site: a path starting with one
// slash; anything else (another host, a scheme, a backslash trick) gives /.
func localBack(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		return "/"
	}
	return back
}
