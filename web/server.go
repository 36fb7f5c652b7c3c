// Package web is the only Fiber code of Gatehouse: the server, its
// middleware, the pages, and the mounting of the API dialects.
package web

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"gatehouse/internal/auth"
	"gatehouse/internal/metrics"
	"gatehouse/web/api"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	BaseURL     string // absolute; decides Secure cookies and HSTS when https
	Prod        bool   // GATEHOUSE_ENV=prod
	DevMail     bool   // serve the dev mailbox at /_dev/mail
	ProductName string
	BodyLimit   int           // bytes; 64 KiB by default
	ReadTimeout time.Duration // 10 s by default
	// TrustedProxies are the peers (IPs or CIDRs) whose X-Forwarded-For
	// names the client IP (GATEHOUSE_TRUSTED_PROXIES). From any other peer
	// the header is ignored and the client IP is the connection's address,
	// so a forged header cannot escape the per-IP throttle (docs/security.md B4).
	// Fiber takes the first valid address of the header: the proxy must
	// set it (not append to a client's value).
	TrustedProxies []string
	// MetricsToken, when set, serves /metrics on this listener to requests
	// carrying it as a bearer token (GATEHOUSE_METRICS_TOKEN). Without it
	// /metrics is not routed here (see GATEHOUSE_METRICS_ADDR).
	MetricsToken string
	// SetupCommand is the command line that creates the first Account
	// Owner; in dev, /login shows it while no Owner exists.
	SetupCommand string
}

// Deps are the collaborators of the web layer.
type Deps struct {
	Auth     *auth.Service
	Sessions fiber.Storage // browser session storage (its own SQLite file)
	Logger   *slog.Logger
	Ready    func(ctx context.Context) error // health check of the store
	Config   Config
	API      api.Config // settings of the API dialects
	// Metrics, when set, records every request; nil records nothing.
	Metrics *metrics.Metrics
	// ReadyChecks are the conditions of /readyz beyond the store's Ready.
	ReadyChecks []Check
}

// server holds the dependencies every handler maker reads.
type server struct {
	auth     *auth.Service
	sessions *session.Store
	log      *slog.Logger
	ready    func(ctx context.Context) error
	cfg      Config
	apiCfg   api.Config
	secure   bool // https base URL or prod: Secure cookies, __Host- prefix, HSTS
	metrics  *metrics.Metrics
	checks   []Check // /readyz
}

// New builds the Fiber app with every route of routes.go.
func New(d Deps) *fiber.App {
	cfg := d.Config
	if cfg.ProductName == "" {
		cfg.ProductName = "Gatehouse"
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 64 * 1024
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 10 * time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Ready == nil {
		d.Ready = func(context.Context) error { return nil }
	}
	s := &server{auth: d.Auth, log: d.Logger, ready: d.Ready, cfg: cfg, apiCfg: d.API, metrics: d.Metrics}
	s.checks = append([]Check{{Name: "database", Run: d.Ready}}, d.ReadyChecks...)
	if u, err := url.Parse(cfg.BaseURL); (err == nil && strings.EqualFold(u.Scheme, "https")) || cfg.Prod {
		s.secure = true
	}
	s.sessions = newSessionStore(d.Sessions, s.secure)

	proxyHeader := ""
	if len(cfg.TrustedProxies) > 0 {
		proxyHeader = fiber.HeaderXForwardedFor
	}
	app := fiber.New(fiber.Config{
		AppName:               cfg.ProductName,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		ReadBufferSize:        8192, // bounds the request line and headers
		// Never trust proxy headers for Host, protocol or IP: with the check
		// on and no trusted proxies, c.Hostname() and c.Protocol() come from
		// the connection itself, and links are built from BaseURL anyway.
		EnableTrustedProxyCheck: true,
		// c.IP() reads X-Forwarded-For only from the trusted proxies, and
		// only a syntactically valid address from it.
		TrustedProxies:     cfg.TrustedProxies,
		ProxyHeader:        proxyHeader,
		EnableIPValidation: true,
	})
	// The member file uploads alone may send more than BodyLimit.
	app.Server().HeaderReceived = uploadBodyLimit
	if s.metrics != nil {
		// Outermost, before routes.go's middleware: it times the whole
		// request and sees the status the ErrorHandler renders.
		app.Use(s.observe)
	}
	s.routes(app)
	return app
}
