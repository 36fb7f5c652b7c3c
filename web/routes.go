package web

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"gatehouse/static"
	"gatehouse/web/api"
	"gatehouse/web/api/directus"
	"gatehouse/web/api/kotive"
	"gatehouse/web/api/kuroco"
	"gatehouse/web/api/openapi"
	"gatehouse/web/api/wme"
	"gatehouse/web/apidoc"
)

// routes is the whole URL surface of Gatehouse in one place.
func (s *server) routes(app *fiber.App) {
	app.Use(s.recoverer, requestID, s.accessLog, s.securityHeaders)

	app.Get("/healthz", s.handleHealth())
	app.Get("/.well-known/jwks.json", s.handleJWKS())
	app.Get("/.well-known/openid-configuration", s.handleOpenIDConfiguration())
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/favicon.ico", func(c *fiber.Ctx) error {
		return c.Redirect("/static/img/favicon.svg", fiber.StatusMovedPermanently)
	})

	// Pages: a browser session, CSRF on every POST, nothing cached. The
	// middleware is attached per route (not with Group), so that it never
	// leaks onto API routes registered elsewhere.
	page := func(method, path string, h ...fiber.Handler) {
		app.Add(method, path, append([]fiber.Handler{noStore, s.withSession, s.verifyCSRF}, h...)...)
	}
	get, post := fiber.MethodGet, fiber.MethodPost
	page(get, "/", s.handleHome())
	page(get, "/login", s.handleLoginShow())
	page(post, "/login", s.handleLoginSubmit())
	page(get, "/login/new-password", s.handleNewPasswordShow())
	page(post, "/login/new-password", s.handleNewPasswordSubmit())
	page(get, "/login/otp", s.handleOTPShow())
	page(post, "/login/otp", s.handleOTPSubmit())
	page(get, "/register", s.handleRegisterShow())
	page(post, "/register", s.handleRegisterSubmit())
	page(get, "/forgot-password", s.handleForgotShow())
	page(post, "/forgot-password", s.handleForgotSubmit())
	page(get, "/reset-password", noReferrer, s.handleResetShow())
	page(post, "/reset-password", noReferrer, s.handleResetSubmit())
	page(post, "/logout", s.handleLogout())

	page(get, "/account", requireMember, s.handleAccountShow())
	page(post, "/account/profile", requireMember, s.handleProfileSubmit())
	page(post, "/account/password", requireMember, s.handlePasswordSubmit())
	page(post, "/account/sessions/:id/revoke", requireMember, s.handleSessionRevoke())

	s.apiRoutes(app)
	app.Get("/openapi.json", apidoc.Spec())
	app.Get("/docs", apidoc.Page())

	if s.cfg.DevMail {
		page(get, "/_dev/mail", s.handleDevMail())
		app.Get("/_dev/mail.json", noStore, s.handleDevMailJSON())
	}

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// noReferrer keeps the reset token in the URL out of Referer headers.
func noReferrer(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	return c.Next()
}

// apiRoutes mounts the five dialects (api-contract §2–§7). openapi comes
// before directus: they share the /auth prefix, and directus also owns the
// shared /auth/login and /auth/logout and the /auth catch-all.
func (s *server) apiRoutes(app *fiber.App) {
	cfg := s.apiCfg
	if cfg.BaseURL == "" {
		cfg.BaseURL = s.cfg.BaseURL
	}
	cfg.Secure = s.secure
	d := api.Deps{Auth: s.auth, Log: s.log, BrowserSession: s.browserSession, Config: cfg}
	kuroco.Routes(app, d)
	wme.Routes(app, d)
	kotive.Routes(app, d)
	openapi.Routes(app, d)
	directus.Routes(app, d)
}

// browserSession returns the auth session id behind the pages' session
// cookie, so a signed-in browser can call the APIs; 0 when there is none.
func (s *server) browserSession(c *fiber.Ctx) int64 {
	if !strings.Contains(string(c.Request().Header.Peek(fiber.HeaderCookie)), "gatehouse_sid") {
		return 0
	}
	raw, err := s.sessions.Get(c)
	if err != nil {
		return 0
	}
	id, _ := raw.Get(keySessionID).(int64)
	return id
}
