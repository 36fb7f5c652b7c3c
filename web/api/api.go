// Package api is the JSON plumbing the five API dialects share: their
// dependencies, one token extractor for every carrier of docs/contract.md §1,
// strict request decoding and the client's metadata. It holds no dialect's
// wire types or envelopes; those live in web/api/<dialect>.
package api

import (
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// Deps is what every dialect package gets from web.
type Deps struct {
	Auth *auth.Service
	Log  *slog.Logger
	// BrowserSession resolves the browser session cookie of the pages to a
	// session id (0 when absent), so a signed-in browser can call the APIs.
	BrowserSession func(c *fiber.Ctx) int64
	Config         Config
}

// Config is the deployment knowledge the dialects need.
type Config struct {
	BaseURL string
	Secure  bool // https base URL or prod: Secure cookies
	// DirectusLoginFloor pads failed directus logins to this minimum
	// duration (default 500 ms) so timing reveals nothing.
	DirectusLoginFloor int64 // milliseconds; 0 means 500, negative means none
	// OAuthProviders lists the configured directus OAuth providers.
	OAuthProviders []OAuthProvider
}

// OAuthProvider is one configured AUTH_<PROVIDER>_* provider.
type OAuthProvider struct {
	Name          string // lower-case id used in URLs
	Label         string
	Driver        string // oauth2 or openid
	Icon          string
	ClientID      string
	ClientSecret  string
	AuthorizeURL  string // oauth2 driver
	AccessURL     string
	ProfileURL    string
	IssuerURL     string // openid driver: discovery at <issuer>/.well-known/openid-configuration
	Scope         string
	IdentifierKey string // oauth2: the profile field that names the account (default email)
	// AllowPublicRegistration lets a sign-in with no matching member create
	// one; DefaultRole is its role in the root group (maker when zero).
	AllowPublicRegistration bool
	DefaultRole             auth.RoleID
	RedirectAllow           []string // AUTH_<PROVIDER>_REDIRECT_ALLOW_LIST
}

// Meta describes the caller for sessions, audit and the cross-site rule of
// cookie sign-ins (auth.CookieSignIn); strings are copied because Fiber
// reuses its buffers.
func Meta(c *fiber.Ctx) auth.ClientMeta {
	return auth.ClientMeta{
		IP:        strings.Clone(c.IP()),
		UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent)),
		Device:    strings.Clone(c.Cookies(CookieDevice)),
		FetchSite: strings.ToLower(strings.TrimSpace(c.Get("Sec-Fetch-Site"))),
		Door:      DoorOf(c),
	}
}

// doorKey is the request local naming the door a route belongs to.
const doorKey = "gatehouse.door"

// DoorOf is the door of the request's route ("page" unless a dialect's
// router labelled it): the audit log records it (docs/decisions.md "Audit
// events and proxy safeguards").
func DoorOf(c *fiber.Ctx) string {
	if d, ok := c.Locals(doorKey).(string); ok && d != "" {
		return d
	}
	return auth.ViaPage
}

// WithDoor returns r with every route it registers labelled with door, so
// api.Meta tells the domain which dialect a request came through. A dialect's
// Routes receives it and registers routes as usual.
func WithDoor(r fiber.Router, door string) fiber.Router {
	return doorRouter{Router: r, label: func(c *fiber.Ctx) error {
		c.Locals(doorKey, door)
		return c.Next()
	}}
}

type doorRouter struct {
	fiber.Router
	label fiber.Handler
}

func (d doorRouter) with(h []fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{d.label}, h...)
}

func (d doorRouter) Get(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Get(p, d.with(h)...)
}
func (d doorRouter) Head(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Head(p, d.with(h)...)
}
func (d doorRouter) Post(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Post(p, d.with(h)...)
}
func (d doorRouter) Put(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Put(p, d.with(h)...)
}
func (d doorRouter) Delete(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Delete(p, d.with(h)...)
}
func (d doorRouter) Patch(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Patch(p, d.with(h)...)
}
func (d doorRouter) All(p string, h ...fiber.Handler) fiber.Router {
	return d.Router.All(p, d.with(h)...)
}
func (d doorRouter) Add(m, p string, h ...fiber.Handler) fiber.Router {
	return d.Router.Add(m, p, d.with(h)...)
}

// CookieDevice is the browser's device cookie: a random id the pages set
// once, so the login gate knows a browser that signed in before
// (internal/auth/gate.go). Dialects read it too: a browser calling an API
// carries it.
const CookieDevice = "gatehouse_device"

// NoStore marks token responses uncacheable.
func NoStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Pragma", "no-cache")
	return c.Next()
}
