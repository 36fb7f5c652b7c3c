package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
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
	app.Use(s.recoverer, compressResponses, requestID, s.accessLog, s.securityHeaders)

	app.Get("/healthz", s.handleHealth())
	app.Get("/readyz", s.handleReady())
	if s.metrics != nil && s.cfg.MetricsToken != "" {
		app.Get("/metrics", s.handleMetrics())
	}
	app.Get("/.well-known/jwks.json", s.handleJWKS())
	app.Get("/.well-known/openid-configuration", s.handleOpenIDConfiguration())
	app.Get("/static/*", handleStatic)
	app.Get("/favicon.ico", func(c *fiber.Ctx) error {
		return c.Redirect(static.URL("img/favicon.svg"), fiber.StatusFound)
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
	page(get, "/login/with/:provider", s.handleProviderStart())
	page(get, "/login/with/:provider/callback", noReferrer, s.handleProviderCallback())
	page(get, "/login/otp", s.handleOTPShow())
	page(post, "/login/otp", s.handleOTPSubmit())
	page(post, "/login/passkey/begin", s.handlePasskeyLoginBegin())
	page(post, "/login/passkey/finish", s.handlePasskeyLoginFinish())
	page(post, "/login/passkey/second/begin", s.handlePasskeySecondBegin())
	page(post, "/login/passkey/second/finish", s.handlePasskeySecondFinish())
	page(get, "/register", s.handleRegisterShow())
	page(post, "/register", s.handleRegisterSubmit())
	page(get, "/forgot-password", s.handleForgotShow())
	page(post, "/forgot-password", s.refuseProxied, s.handleForgotSubmit())
	page(get, "/reset-password", noReferrer, s.handleResetShow())
	page(post, "/reset-password", noReferrer, s.handleResetSubmit())
	page(post, "/logout", s.handleLogout())
	page(post, "/language", s.handleLanguage())

	page(get, "/account", s.resumeReturn, requireMember, s.handleAccountShow())
	page(post, "/account/profile", requireMember, s.refuseProxied, s.handleProfileSubmit())
	page(post, "/account/password", requireMember, s.refuseProxied, s.handlePasswordSubmit())
	page(post, "/account/sessions/:id/revoke", requireMember, s.refuseProxied, s.handleSessionRevoke())
	s.twoFactorRoutes(page)
	page(get, "/account/activity", requireMember, s.refuseProxied, s.handleActivityShow())
	page(post, "/account/activity/sessions/:id/end", requireMember, s.refuseProxied, s.handleActivityEnd())
	// A GET, like the sign-in buttons: the pages' CSP (form-action 'self')
	// stops a form from redirecting to the provider. It only starts the
	// flow; the link is made at the callback, for this browser's state.
	page(get, "/account/providers/:provider/link", requireMember, s.refuseProxied, s.handleProviderLink())
	page(post, "/account/providers/:id/unlink", requireMember, s.refuseProxied, s.handleProviderUnlink())
	page(post, "/account/passkeys/begin", requireMember, s.refuseProxied, s.handlePasskeyAddBegin())
	page(post, "/account/passkeys/finish", requireMember, s.refuseProxied, s.handlePasskeyAddFinish())
	page(post, "/account/passkeys/:id/rename", requireMember, s.refuseProxied, s.handlePasskeyRename())
	page(post, "/account/passkeys/:id/delete", requireMember, s.refuseProxied, s.handlePasskeyRemove())
	page(post, "/account/preferences", requireMember, s.refuseProxied, s.handlePreferencesSubmit())
	page(post, "/account/apps/:client/revoke", requireMember, s.refuseProxied, s.handleAppRevoke())
	page(post, "/proxy/start/:id", requireMember, s.handleProxyStart())
	page(post, "/proxy/stop", requireMember, s.handleProxyStop())
	// Member files (docs/contract.md §10): the member's own session, a proxy
	// session acting as the member included.
	page(post, "/account/files", requireMember, s.handleAccountFileUpload())
	page(post, "/account/files/:id/delete", requireMember, s.handleAccountFileDelete())
	page(get, "/account/files/:id", requireMember, s.handleAccountFileDownload())

	// The member editor (docs/contract.md §8, §9): admins only, never in a
	// proxied session. /admin/members/new comes before /admin/members/:id.
	page(get, "/admin/members", requireAdmin, s.handleAdminMembers())
	page(get, "/admin/members/new", requireAdmin, s.handleAdminNewMember())
	page(post, "/admin/members", requireAdmin, s.handleAdminCreateMember())
	page(get, "/admin/members/:id", requireAdmin, s.handleAdminMember())
	page(post, "/admin/members/:id", requireAdmin, s.handleAdminUpdateMember())
	page(post, "/admin/members/:id/status", requireAdmin, s.handleAdminSetStatus())
	page(post, "/admin/members/:id/reset", requireAdmin, s.handleAdminSendReset())
	page(post, "/admin/members/:id/sessions/end", requireAdmin, s.handleAdminEndSessions())
	page(post, "/admin/members/:id/roles", requireAdmin, s.handleAdminSetRoles())
	page(post, "/admin/members/:id/proxy-grants", requireAdmin, s.handleAdminGrantProxy())
	page(post, "/admin/members/:id/proxy-grants/:actor/delete", requireAdmin, s.handleAdminRevokeProxy())
	page(get, "/admin/members/:id/delete", requireAdmin, s.handleAdminDeleteConfirm())
	page(post, "/admin/members/:id/delete", requireAdmin, s.handleAdminDelete())
	page(post, "/admin/members/:id/files", requireAdmin, s.handleAdminFileUpload())
	page(post, "/admin/members/:id/files/:fid/delete", requireAdmin, s.handleAdminFileDelete())
	page(get, "/admin/members/:id/files/:fid", requireAdmin, s.handleAdminFileDownload())
	page(get, "/admin/audit", requireAdmin, s.handleAdminAudit())
	page(get, "/admin/groups", requireAdmin, s.handleAdminGroups())
	page(post, "/admin/groups", requireAdmin, s.handleAdminCreateGroup())
	page(post, "/admin/groups/:id", requireAdmin, s.handleAdminUpdateGroup())
	page(get, "/admin/groups/:id/delete", requireAdmin, s.handleAdminDeleteGroupConfirm())
	page(post, "/admin/groups/:id/delete", requireAdmin, s.handleAdminDeleteGroup())
	page(get, "/admin/webhooks", requireAdmin, s.handleAdminWebhooks())
	page(post, "/admin/webhooks", requireAdmin, s.handleAdminCreateWebhook())
	page(post, "/admin/webhooks/:id/delete", requireAdmin, s.handleAdminDeleteWebhook())
	page(get, "/admin/clients", requireAdmin, s.handleAdminClients())
	page(post, "/admin/clients", requireAdmin, s.handleAdminCreateClient())
	page(post, "/admin/clients/:client/delete", requireAdmin, s.handleAdminDeleteClient())

	// Member files with a kuroco file_access_token (no session, no cookie):
	// the token in the path, or in ?t= with the file id in the path.
	app.Get("/files/t=:token/:id/:name?", noStoreFile, s.handleFileWithToken())
	app.Get("/files/:id/:name?", noStoreFile, s.handleFileWithToken())

	s.apiRoutes(app)
	s.oidcRoutes(app)
	page(get, pathContinue, s.handleOIDCContinue())
	page(post, pathContinue, s.handleOIDCChoice())
	app.Get("/openapi.json", apidoc.Spec())
	page(get, "/docs", s.handleDocs())

	if s.cfg.DevMail {
		page(get, "/_dev/mail", s.handleDevMail())
		app.Get("/_dev/mail.json", noStore, s.handleDevMailJSON())
	}

	app.Use(unmatched)
}

// noReferrer keeps the reset token in the URL out of Referer headers.
func noReferrer(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	return c.Next()
}

// apiRoutes mounts the five dialects (docs/contract.md §2–§7). openapi comes
// before directus: they share the /auth prefix, and directus also owns the
// shared /auth/login and /auth/logout and the /auth catch-all.
func (s *server) apiRoutes(app *fiber.App) {
	cfg := s.apiCfg
	if cfg.BaseURL == "" {
		cfg.BaseURL = s.cfg.BaseURL
	}
	cfg.Secure = s.secure
	d := api.Deps{Auth: s.auth, Log: s.log, BrowserSession: s.browserSession, Config: cfg}
	kuroco.Routes(api.WithDoor(app, auth.ViaKuroco), d)
	wme.Routes(api.WithDoor(app, auth.ViaWME), d)
	kotive.Routes(api.WithDoor(app, auth.ViaKotive), d)
	openapi.Routes(api.WithDoor(app, auth.ViaOpenAPI), d)
	directus.Routes(api.WithDoor(app, auth.ViaDirectus), d)
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
