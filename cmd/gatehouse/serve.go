package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/blob"
	"gatehouse/internal/mail"
	"gatehouse/internal/outbox"
	"gatehouse/internal/sqlite"
	"gatehouse/internal/webhook"
	"gatehouse/web"
	"gatehouse/web/api"
)

// cmdServe runs the server until ctx ends, then shuts down gracefully:
// in-flight requests finish, the outbox worker finishes its current send,
// the janitor its current batch.
func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stdout)
	if err != nil {
		return err
	}
	// Every line goes through the sink, off the request path; the deferred
	// Close writes what is still buffered, whatever way serve returns.
	sink := newLogSink(stderr)
	defer sink.Close()
	log := newLogger(cfg, sink)

	var sender outbox.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return fmt.Errorf("invalid GATEHOUSE_SMTP_URL: %w", err)
		}
	}
	if !isPostgres(cfg.DB) {
		if err := os.MkdirAll(filepath.Dir(cfg.DB), 0o700); err != nil {
			return fmt.Errorf("create directory of GATEHOUSE_DB: %w", err)
		}
		// Held while serving, so gatehouse restore refuses to swap the file.
		unlock, err := lockData(cfg.DB, false)
		if err != nil {
			return err
		}
		defer unlock()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if lite, ok := st.(*sqlite.Store); ok {
		if err := checkPragmas(ctx, lite, log); err != nil {
			return err
		}
	}
	sessions, sessDB, err := openSessions(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer sessDB.Close()
	defer sessions.Close()

	// Listen before building the service: with port 0 the default base URL
	// (and so every mailed link) must name the port actually bound.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on GATEHOUSE_ADDR=%s: %w", cfg.Addr, err)
	}
	defer ln.Close() // every early return; after serving it is closed already
	if _, port, _ := net.SplitHostPort(cfg.Addr); port == "0" && cfg.BaseURL == defaultBaseURL(cfg.Addr) {
		cfg.BaseURL = defaultBaseURL(ln.Addr().String())
	}

	// The worker resolves forgot-password requests through the service
	// (outbox.Resolver) and the service wakes the worker: worker is set
	// before anything can call notify. Without SMTP it only resolves
	// requests, and the mail stays in the outbox for /_dev/mail. Its queue
	// is watched for /readyz and /metrics (ops.go).
	argon := auth.NewArgon2Pool(auth.DefaultArgon2Params, auth.PoolOptions{MaxWait: cfg.HashMaxWait})
	mx := newMetrics(cfg, st, argon)
	queue := &watchedQueue{Queue: st, m: mx}
	queue.touch()
	var worker *outbox.Worker
	svc, err := newService(st, cfg, func() { worker.Notify() }, passwordHasher(argon))
	if err != nil {
		return err
	}
	worker = outbox.NewWorker(queue, sender, outbox.WorkerOptions{Logger: log, MaxBackoff: cfg.OutboxMaxBackoff, Resolver: svc})
	var stopping atomic.Bool // set when shutdown starts: /readyz answers 503 from then on
	// The id_token signing key is created at first start, not at first use.
	if _, err := svc.JWKS(ctx); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	needOwner, err := svc.NeedsFirstOwner(ctx)
	if err != nil {
		return err
	}
	app := web.New(web.Deps{
		Auth:        svc,
		Sessions:    sessions,
		Logger:      log,
		Ready:       st.Ping,
		API:         apiConfig(cfg),
		Metrics:     mx,
		ReadyChecks: readyChecks(st, queue, &stopping),
		Config: web.Config{
			BaseURL: cfg.BaseURL,
			Prod:    cfg.Prod(),
			DevMail: !cfg.Prod() && cfg.SMTPURL == "",

			TrustedProxies: cfg.TrustedProxies,
			MetricsToken:   cfg.MetricsToken,
			SetupCommand:   setupCommand(cfg),
		},
	})

	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	// Webhook deliveries (internal/webhook): always running, since
	// endpoints are registered at run time on /admin/webhooks.
	hooks := webhook.NewWorker(st, webhook.Options{Source: cfg.BaseURL, Logger: log})
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := hooks.Run(workerCtx); err != nil {
			log.Error("webhook worker stopped", "err", err.Error())
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer queue.ended.Store(true)
		if err := worker.Run(workerCtx); err != nil {
			log.Error("outbox worker stopped", "err", err.Error())
		}
	}()

	// The janitor deletes dead rows off the request path, in small batches,
	// until shutdown (internal/auth/janitor.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.RunJanitor(workerCtx, func(r auth.SweepReport, err error) {
			if err != nil {
				log.Error("janitor run failed", "err", err.Error())
				return
			}
			if r.Total() > 0 {
				log.Info("janitor", "deleted", r.Total(), "anonymous_tokens", r[auth.SweepAnonymous],
					"credentials", r[auth.SweepCredentials], "sessions", r[auth.SweepSessions],
					"one_time_tokens", r[auth.SweepOneTimeTokens], "mail", r[auth.SweepMail],
					"login_failures", r[auth.SweepLoginFailures])
			}
		})
	}()

	if mx != nil && cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(ctx, cfg, mx, log)
		if err != nil {
			stopWorker()
			wg.Wait()
			return err
		}
		defer stopMetrics()
	}
	fmt.Fprintf(stdout, "Gatehouse %s listening on http://%s (base URL %s, env %s)\n", readBuildInfo().Version, ln.Addr(), cfg.BaseURL, cfg.Env)
	if sender == nil {
		fmt.Fprintf(stdout, "No SMTP configured: mail stays in the outbox; read it at %s/_dev/mail\n", cfg.BaseURL)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "env", cfg.Env)
	if needOwner {
		log.Warn("no Account Owner yet; create the first one with: " + setupCommand(cfg))
	}
	// Announce before serving: once /healthz answers, the address is printed.
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Listener(web.Listener(ln)) }()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down")
		stopping.Store(true)
		err = app.ShutdownWithTimeout(15 * time.Second)
	}
	stopWorker()
	wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// newArgon2 is the argon2id hasher every new password hash comes from.
func newArgon2() *auth.Argon2 { return auth.NewArgon2(auth.DefaultArgon2Params) }

// passwordHasher is the hasher the service verifies passwords with: a's
// argon2id, and the formats of imported members, replaced by argon2id at
// their first sign-in (gatehouse import).
func passwordHasher(a *auth.Argon2) auth.Hasher { return auth.NewLegacyHasher(a) }

// setupCommand is the command that creates the first Account Owner in the
// database this server uses (--db only when it is not the default).
func setupCommand(cfg Config) string {
	cmd := "gatehouse member create"
	if cfg.DB != "data/gatehouse.db" {
		cmd += " --db " + shellQuote(cfg.DB)
	}
	return cmd + " --email you@example.com --password '…' --role owner"
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// newService builds the domain service from the configuration.
func newService(st store, cfg Config, notify func(), hasher auth.Hasher) (*auth.Service, error) {
	return auth.NewService(st, hasher, authConfig(cfg), auth.Options{Notify: notify, Blobs: blob.New(filesDir(cfg.DB))})
}

// authConfig maps the settings onto the domain's configuration: lifetimes
// and the token policy of each dialect.
func authConfig(cfg Config) auth.Config {
	p := auth.DefaultPolicies()
	set := func(via string, f func(*auth.TokenPolicy)) {
		x := p[via]
		f(&x)
		p[via] = x
	}
	set(auth.ViaKuroco, func(x *auth.TokenPolicy) {
		x.Access, x.Refresh = cfg.KurocoAccessTTL, cfg.KurocoRefreshTTL
		x.Session = x.Refresh
	})
	set(auth.ViaWME, func(x *auth.TokenPolicy) {
		x.Access, x.Refresh, x.MaxMints = cfg.WMEAccessTTL, cfg.WMERefreshTTL, cfg.WMEMaxAccessPerRefresh
		x.Session = x.Refresh
	})
	set(auth.ViaDirectus, func(x *auth.TokenPolicy) { x.Access, x.Refresh = cfg.DirectusAccessTTL, cfg.DirectusRefreshTTL })
	set(auth.ViaOpenAPI, func(x *auth.TokenPolicy) { x.Access, x.Refresh = cfg.OpenAPIAccessTTL, cfg.OpenAPIRefreshTTL })
	// directus session mode: one access token in the session cookie, no
	// refresh token (internal/auth/token_sets.go).
	p[auth.ViaDirectusSession] = auth.TokenPolicy{Access: cfg.DirectusSessionCookieTTL, Session: p[auth.ViaDirectus].Session}
	set(auth.ViaKotive, func(x *auth.TokenPolicy) { x.Idle = cfg.KotiveIdleTTL })
	return auth.Config{
		BaseURL:           cfg.BaseURL,
		MinPasswordLength: cfg.MinPasswordLength,
		ResetTTL:          cfg.ResetTTL,
		SessionTTL:        cfg.SessionTTL,
		SessionIdle:       cfg.SessionIdleTTL,
		NewPasswordTTL:    cfg.NewPasswordTTL,
		InviteTTL:         cfg.InviteTTL,
		ResetCodeTTL:      cfg.ResetCodeTTL,
		GrantTTL:          cfg.KurocoGrantTTL,
		FileTokenTTL:      cfg.KurocoFileTTL,
		ProxyMaxAge:       cfg.ProxyMaxAge,
		Policies:          p,
		ResetURLAllowList: cfg.ResetURLAllowList,
		IPFailureLimit:    cfg.IPRateLimit,

		ResetLimitPerAddress: cfg.ResetLimitPerAddress,
		ResetLimitPerIP:      cfg.ResetLimitPerIP,
		Retention: auth.Retention{Every: cfg.JanitorInterval, Tokens: cfg.RetainTokens,
			Sessions: cfg.RetainSessions, Mail: cfg.RetainMail},
		AnonymousTokenLimit: cfg.AnonTokenLimit,
	}
}

// apiConfig maps the settings the dialects read.
func apiConfig(cfg Config) api.Config {
	c := api.Config{BaseURL: cfg.BaseURL}
	for _, p := range cfg.OAuthProviders {
		c.OAuthProviders = append(c.OAuthProviders, api.OAuthProvider{
			Name: p.Name, Label: p.Label, Driver: p.Driver, Icon: p.Icon,
			ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			AuthorizeURL: p.AuthorizeURL, AccessURL: p.AccessURL, ProfileURL: p.ProfileURL,
			IssuerURL: p.IssuerURL, Scope: p.Scope, IdentifierKey: p.IdentifierKey,
			AllowPublicRegistration: p.AllowPublicRegistration, DefaultRole: p.DefaultRole,
			RedirectAllow: p.RedirectAllowList,
		})
	}
	return c
}

// newLogger logs JSON in prod and text in dev, to stderr.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.Prod() {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// checkPragmas is the start-up self-check of the database settings that
// durability and concurrency depend on (docs/security.md L2).
func checkPragmas(ctx context.Context, st *sqlite.Store, log *slog.Logger) error {
	p, err := st.Pragmas(ctx)
	if err != nil {
		return fmt.Errorf("database self-check: %w", err)
	}
	for _, pool := range []string{"writer.", "reader."} {
		if p[pool+"journal_mode"] != "wal" || p[pool+"foreign_keys"] != "1" {
			return fmt.Errorf("database self-check failed: %v", p)
		}
	}
	log.Debug("database settings", "pragmas", fmt.Sprint(p))
	return nil
}

// cmdMigrate applies pending migrations and exits.
func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("migrate", args, getenv, stdout)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", redactDB(cfg.DB))
	return nil
}

// parseConfig parses the arguments of a command that takes only the
// settings flags ("gatehouse <name> [flags]") and resolves the configuration.
func parseConfig(name string, args []string, getenv func(string) string, stdout io.Writer) (Config, error) {
	synopsis := name + " [--db FILE]"
	if name == "serve" {
		synopsis = "serve [settings]"
	}
	fs := newFlagSet(name, synopsis, stdout)
	config := configFlags(fs, getenv)
	if err := parse(fs, args); err != nil {
		return Config{}, err
	}
	return config()
}
