package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/blob"
	"gatehouse/internal/mail"
	"gatehouse/internal/outbox"
	"gatehouse/internal/sqlite"
	"gatehouse/web"
	"gatehouse/web/api"
)

// cmdServe runs the server until ctx ends, then shuts down gracefully:
// in-flight requests finish, the outbox worker finishes its current send.
func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stdout)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	var sender outbox.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return fmt.Errorf("invalid GATEHOUSE_SMTP_URL: %w", err)
		}
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkPragmas(ctx, st, log); err != nil {
		return err
	}
	sessions, sessDB, err := openSessions(cfg.DB)
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

	var worker *outbox.Worker
	notify := func() {}
	if sender != nil {
		worker = outbox.NewWorker(st, sender, outbox.WorkerOptions{Logger: log, MaxBackoff: cfg.OutboxMaxBackoff})
		notify = worker.Notify
	}
	svc, err := newService(st, cfg, notify)
	if err != nil {
		return err
	}
	// The id_token signing key is created at first start, not at first use.
	if _, err := svc.JWKS(ctx); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	needOwner, err := svc.NeedsFirstOwner(ctx)
	if err != nil {
		return err
	}
	app := web.New(web.Deps{
		Auth:     svc,
		Sessions: sessions,
		Logger:   log,
		Ready:    st.Ping,
		API:      apiConfig(cfg),
		Config: web.Config{
			BaseURL: cfg.BaseURL,
			Prod:    cfg.Prod(),
			DevMail: !cfg.Prod() && cfg.SMTPURL == "",

			TrustedProxies: cfg.TrustedProxies,
			SetupCommand:   setupCommand(cfg),
		},
	})

	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if worker != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := worker.Run(workerCtx); err != nil {
				log.Error("outbox worker stopped", "err", err.Error())
			}
		}()
	}

	fmt.Fprintf(stdout, "Gatehouse %s listening on http://%s (base URL %s, env %s)\n", readBuildInfo().Version, ln.Addr(), cfg.BaseURL, cfg.Env)
	if worker == nil {
		fmt.Fprintf(stdout, "No SMTP configured: mail stays in the outbox; read it at %s/_dev/mail\n", cfg.BaseURL)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "env", cfg.Env)
	if needOwner {
		log.Warn("no Account Owner yet; create the first one with: " + setupCommand(cfg))
	}
	// Announce before serving: once /healthz answers, the address is printed.
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Listener(ln) }()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down")
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
func newService(st *sqlite.Store, cfg Config, notify func()) (*auth.Service, error) {
	return auth.NewService(st, auth.NewArgon2(auth.DefaultArgon2Params), authConfig(cfg), auth.Options{Notify: notify, Blobs: blob.New(filepath.Join(filepath.Dir(cfg.DB), "files"))})
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
		Policies:          p,
		ResetURLAllowList: cfg.ResetURLAllowList,
		IPFailureLimit:    cfg.IPRateLimit,
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
			Scope: p.Scope, RedirectAllow: p.RedirectAllowList,
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
// durability and concurrency depend on (checklist L2).
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
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", cfg.DB)
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
