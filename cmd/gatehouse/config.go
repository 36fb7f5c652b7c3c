package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of docs/contract.md §11 that this build reads. Each
// comes from an environment variable, overridden by a flag of the same name
// in kebab-case (GATEHOUSE_BASE_URL → --gatehouse-base-url, also accepted as
// --base-url).
type Config struct {
	Addr              string
	DB                string
	SecretKey         string // GATEHOUSE_SECRET_KEY (PostgreSQL)
	SecretKeyFile     string // GATEHOUSE_SECRET_KEY_FILE (PostgreSQL)
	BaseURL           string
	Env               string
	SMTPURL           string
	MailFrom          string
	MinPasswordLength int
	ResetTTL          time.Duration
	SessionTTL        time.Duration
	SessionIdleTTL    time.Duration
	NewPasswordTTL    time.Duration
	ProxyMaxAge       time.Duration // hard cap of a proxy session

	// Token lifetimes of docs/contract.md §1, one variable each.
	KurocoAccessTTL, KurocoRefreshTTL, KurocoGrantTTL, KurocoFileTTL time.Duration
	WMEAccessTTL, WMERefreshTTL                                      time.Duration
	WMEMaxAccessPerRefresh                                           int
	DirectusAccessTTL, DirectusRefreshTTL                            time.Duration
	DirectusSessionCookieTTL                                         time.Duration
	OpenAPIAccessTTL, OpenAPIRefreshTTL                              time.Duration
	KotiveIdleTTL, InviteTTL, ResetCodeTTL                           time.Duration

	OutboxMaxBackoff time.Duration // cap of the outbox worker's retry delay
	// HashMaxWait bounds how long a password check may expect to wait for
	// the hash pool before it is refused with 503 (auth.PoolOptions).
	HashMaxWait time.Duration

	// IPRateLimit is how many failed logins one client IP may make per
	// minute (GATEHOUSE_IP_RATE_LIMIT; -1 when "off"). The counts live in
	// memory and reset when the process restarts.
	IPRateLimit int
	// ResetLimitPerAddress and ResetLimitPerIP cap forgot-password requests
	// per address and per client IP per hour (GATEHOUSE_RESET_LIMIT_PER_*;
	// -1 when "off"). They are counted in the database.
	ResetLimitPerAddress, ResetLimitPerIP int
	// Janitor settings (GATEHOUSE_JANITOR_INTERVAL, -1 when "off";
	// GATEHOUSE_RETAIN_*): how often dead rows are deleted and how long each
	// kind is kept first (internal/auth/janitor.go).
	JanitorInterval                          time.Duration
	RetainTokens, RetainSessions, RetainMail time.Duration
	// AnonTokenLimit is how many kuroco anonymous tokens one client IP may
	// get per minute (GATEHOUSE_ANON_TOKEN_LIMIT; -1 when "off").
	AnonTokenLimit int
	// TrustedProxies are the peers (IPs or CIDRs) whose X-Forwarded-For
	// names the client (GATEHOUSE_TRUSTED_PROXIES); empty: none.
	TrustedProxies []string

	// MetricsAddr is the separate listener of /metrics
	// (GATEHOUSE_METRICS_ADDR); MetricsToken the bearer token /metrics asks
	// for (GATEHOUSE_METRICS_TOKEN), which alone also routes /metrics on the
	// public listener. Neither set: no metrics at all.
	MetricsAddr, MetricsToken string

	ResetURLAllowList []string        // PASSWORD_RESET_URL_ALLOW_LIST
	OAuthProviders    []OAuthProvider // AUTH_PROVIDERS and AUTH_<PROVIDER>_*
}

// Prod reports whether Gatehouse runs in production mode.
func (c Config) Prod() bool { return c.Env == "prod" }

// setting is one configuration variable: its environment name, its default,
// and how it is stored into Config.
type setting struct {
	env   string
	def   string
	usage string
	set   func(c *Config, v string) error
}

var settings = []setting{
	{"GATEHOUSE_ADDR", "127.0.0.1:8080", "address to listen on (host:port)", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, like 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"GATEHOUSE_DB", "data/gatehouse.db", "SQLite database file (its directory is created), or a postgres:// URL", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DB = v
		return nil
	}},
	{"GATEHOUSE_SECRET_KEY", "", "PostgreSQL only: the key (64 hex characters) that seals secrets at rest, the same on every node", func(c *Config, v string) error {
		c.SecretKey = v
		return nil
	}},
	{"GATEHOUSE_SECRET_KEY_FILE", "", "PostgreSQL only: a file holding GATEHOUSE_SECRET_KEY instead", func(c *Config, v string) error {
		c.SecretKeyFile = v
		return nil
	}},
	{"GATEHOUSE_BASE_URL", "", "public base URL every mailed link starts with (default http://ADDR)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return errors.New("must be an absolute http(s) URL without query, like https://auth.example.com")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"GATEHOUSE_ENV", "dev", "dev or prod", func(c *Config, v string) error {
		if v != "dev" && v != "prod" {
			return errors.New(`must be "dev" or "prod"`)
		}
		c.Env = v
		return nil
	}},
	{"GATEHOUSE_SMTP_URL", "", "smtp://user:pass@host:port, smtp+starttls://… or smtps://… (dev: empty keeps mail in /_dev/mail)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtp+starttls" && u.Scheme != "smtps") || u.Hostname() == "" {
			return errors.New("must be a URL like smtp://user:pass@host:587, smtp+starttls://… or smtps://…")
		}
		c.SMTPURL = v
		return nil
	}},
	{"GATEHOUSE_MAIL_FROM", "Gatehouse <no-reply@gatehouse.localhost>", "sender address of every mail", func(c *Config, v string) error {
		if strings.ContainsAny(v, "\r\n") || !strings.Contains(v, "@") {
			return errors.New("must be an email address, like Gatehouse <no-reply@example.com>")
		}
		c.MailFrom = v
		return nil
	}},
	{"GATEHOUSE_MIN_PASSWORD_LENGTH", "8", "minimum password length in characters (8 to 15)", wholeInto(func(c *Config) *int { return &c.MinPasswordLength }, 8, 15)},
	{"GATEHOUSE_RESET_TTL", "60m", "lifetime of a password reset link", durationInto(func(c *Config) *time.Duration { return &c.ResetTTL })},
	{"GATEHOUSE_SESSION_TTL", "12h", "absolute lifetime of a session", durationInto(func(c *Config) *time.Duration { return &c.SessionTTL })},
	{"GATEHOUSE_SESSION_IDLE_TTL", "30m", "idle timeout of a browser session", durationInto(func(c *Config) *time.Duration { return &c.SessionIdleTTL })},
	{"GATEHOUSE_NEW_PASSWORD_TTL", "3m", "lifetime of the NEW_PASSWORD_REQUIRED step", durationInto(func(c *Config) *time.Duration { return &c.NewPasswordTTL })},
	{"GATEHOUSE_HASH_MAX_WAIT", "2s", "longest expected wait for a password check before 503 with Retry-After", durationInto(func(c *Config) *time.Duration { return &c.HashMaxWait })},
	{"GATEHOUSE_INVITE_TTL", "168h", "lifetime of an invitation link", durationInto(func(c *Config) *time.Duration { return &c.InviteTTL })},
	{"GATEHOUSE_PROXY_MAX_AGE", "1h", "hard cap of a proxy session (refresh never extends it)", durationInto(func(c *Config) *time.Duration { return &c.ProxyMaxAge })},
	{"GATEHOUSE_RESET_CODE_TTL", "10m", "lifetime of a wme confirmation code", durationInto(func(c *Config) *time.Duration { return &c.ResetCodeTTL })},
	{"GATEHOUSE_KUROCO_ACCESS_TTL", "3600", "kuroco access token lifetime", durationInto(func(c *Config) *time.Duration { return &c.KurocoAccessTTL })},
	{"GATEHOUSE_KUROCO_REFRESH_TTL", "604800", "kuroco refresh token lifetime", durationInto(func(c *Config) *time.Duration { return &c.KurocoRefreshTTL })},
	{"GATEHOUSE_KUROCO_GRANT_TTL", "300", "kuroco grant_token lifetime", durationInto(func(c *Config) *time.Duration { return &c.KurocoGrantTTL })},
	{"GATEHOUSE_KUROCO_FILE_TOKEN_TTL", "300", "kuroco file_access_token lifetime", durationInto(func(c *Config) *time.Duration { return &c.KurocoFileTTL })},
	{"GATEHOUSE_WME_ACCESS_TTL", "24h", "wme access and id token lifetime", durationInto(func(c *Config) *time.Duration { return &c.WMEAccessTTL })},
	{"GATEHOUSE_WME_REFRESH_TTL", "2160h", "wme refresh token lifetime (90 days)", durationInto(func(c *Config) *time.Duration { return &c.WMERefreshTTL })},
	{"GATEHOUSE_WME_MAX_ACCESS_PER_REFRESH", "90", "access tokens one wme refresh token may mint", wholeInto(func(c *Config) *int { return &c.WMEMaxAccessPerRefresh }, 1, 0)},
	{"ACCESS_TOKEN_TTL", "15m", "directus access token lifetime", durationInto(func(c *Config) *time.Duration { return &c.DirectusAccessTTL })},
	{"REFRESH_TOKEN_TTL", "7d", "directus refresh token lifetime", durationInto(func(c *Config) *time.Duration { return &c.DirectusRefreshTTL })},
	{"SESSION_COOKIE_TTL", "1d", "directus session-mode cookie and token lifetime", durationInto(func(c *Config) *time.Duration { return &c.DirectusSessionCookieTTL })},
	{"GATEHOUSE_OPENAPI_ACCESS_TTL", "24h", "openapi access token lifetime", durationInto(func(c *Config) *time.Duration { return &c.OpenAPIAccessTTL })},
	{"GATEHOUSE_OPENAPI_REFRESH_TTL", "288h", "openapi refresh token lifetime (12 days)", durationInto(func(c *Config) *time.Duration { return &c.OpenAPIRefreshTTL })},
	{"GATEHOUSE_KOTIVE_IDLE_TTL", "12h", "kotive authToken idle timeout", durationInto(func(c *Config) *time.Duration { return &c.KotiveIdleTTL })},
	{"GATEHOUSE_OUTBOX_MAX_BACKOFF", "10m", "longest delay between two attempts to send a mail", durationInto(func(c *Config) *time.Duration { return &c.OutboxMaxBackoff })},
	{"GATEHOUSE_IP_RATE_LIMIT", "100", `failed logins per client IP per minute, or "off" (SQLite: in memory, resets on restart; PostgreSQL: in the database, shared by every node)`, limitInto(func(c *Config) *int { return &c.IPRateLimit })},
	{"GATEHOUSE_RESET_LIMIT_PER_ADDRESS", "5", `forgot-password requests per address per hour, or "off"`, limitInto(func(c *Config) *int { return &c.ResetLimitPerAddress })},
	{"GATEHOUSE_RESET_LIMIT_PER_IP", "20", `forgot-password requests per client IP per hour, or "off"`, limitInto(func(c *Config) *int { return &c.ResetLimitPerIP })},
	{"GATEHOUSE_JANITOR_INTERVAL", "10m", `how often the janitor deletes dead tokens, sessions and mail, or "off"`, func(c *Config, v string) error {
		if strings.EqualFold(strings.TrimSpace(v), "off") {
			c.JanitorInterval = -1
			return nil
		}
		return durationInto(func(c *Config) *time.Duration { return &c.JanitorInterval })(c, v)
	}},
	{"GATEHOUSE_RETAIN_TOKENS", "24h", "how long expired, revoked or used tokens are kept before the janitor deletes them", durationInto(func(c *Config) *time.Duration { return &c.RetainTokens })},
	{"GATEHOUSE_RETAIN_SESSIONS", "30d", "how long ended sessions are kept before the janitor deletes them", durationInto(func(c *Config) *time.Duration { return &c.RetainSessions })},
	{"GATEHOUSE_RETAIN_MAIL", "7d", "how long sent or dropped mail is kept (at least 24h: the mail limits count the last day)", func(c *Config, v string) error {
		if err := durationInto(func(c *Config) *time.Duration { return &c.RetainMail })(c, v); err != nil {
			return err
		}
		if c.RetainMail < 24*time.Hour {
			return errors.New("must be at least 24h: the per-address mail limits count the last day's mail")
		}
		return nil
	}},
	{"GATEHOUSE_ANON_TOKEN_LIMIT", "30", `kuroco anonymous tokens per client IP (IPv6: per /64) per minute, or "off" (in memory)`, limitInto(func(c *Config) *int { return &c.AnonTokenLimit })},
	{"GATEHOUSE_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, p := range splitList(v) {
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return fmt.Errorf("%q is not an IP address or CIDR", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"GATEHOUSE_METRICS_ADDR", "", "separate host:port serving /metrics (empty: none)", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, like 127.0.0.1:9090")
		}
		c.MetricsAddr = v
		return nil
	}},
	{"GATEHOUSE_METRICS_TOKEN", "", "bearer token /metrics asks for; alone, it serves /metrics on GATEHOUSE_ADDR", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if len(v) < 16 || strings.ContainsAny(v, " \t\r\n") {
			return errors.New("must be at least 16 characters without spaces")
		}
		c.MetricsToken = v
		return nil
	}},
	{"PASSWORD_RESET_URL_ALLOW_LIST", "", "comma-separated reset URLs clients may ask reset links to use (directus reset_url)", func(c *Config, v string) error {
		c.ResetURLAllowList = nil
		for _, u := range splitList(v) {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				return fmt.Errorf("%q is not an absolute http(s) URL", u)
			}
			c.ResetURLAllowList = append(c.ResetURLAllowList, u)
		}
		return nil
	}},
}

// wholeInto parses a whole number from lo to hi (hi 0: no upper bound)
// into the field.
func wholeInto(field func(c *Config) *int, lo, hi int) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if hi == 0 && (err != nil || n < lo) {
			return fmt.Errorf("must be a whole number of at least %d", lo)
		}
		if err != nil || n < lo || (hi != 0 && n > hi) {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

// limitInto parses a count limit from 1 to 1000000, or "off" (stored as -1).
func limitInto(field func(c *Config) *int) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		if strings.EqualFold(strings.TrimSpace(v), "off") {
			*field(c) = -1
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 1000000 {
			return errors.New(`must be a number from 1 to 1000000, or "off"`)
		}
		*field(c) = n
		return nil
	}
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// durationInto parses a Go duration ("90m", "12h"), days ("7d", as Directus
// writes REFRESH_TOKEN_TTL) or whole seconds ("3600").
func durationInto(field func(c *Config) *time.Duration) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok && err != nil {
			n, derr := strconv.Atoi(days)
			if derr == nil && n > 0 && n < 100000 {
				d, err = time.Duration(n)*24*time.Hour, nil
			}
		}
		if err != nil {
			n, nerr := strconv.ParseInt(v, 10, 64)
			if nerr != nil {
				return errors.New(`must be a duration like "90m" or "12h", or whole seconds`)
			}
			// Multiplying would overflow silently into a wrong (even
			// negative) duration.
			if n > math.MaxInt64/int64(time.Second) {
				return errors.New("is too long")
			}
			d = time.Duration(n) * time.Second
		}
		if d <= 0 {
			return errors.New("must be positive")
		}
		*field(c) = d
		return nil
	}
}

// flagName turns GATEHOUSE_BASE_URL into gatehouse-base-url.
func flagName(env string) string { return strings.ToLower(strings.ReplaceAll(env, "_", "-")) }

// configFlags registers every setting on fs (full name and short alias) and
// returns a function that resolves the Config after fs.Parse: flag, then
// environment, then default. A bad value is an error naming the variable.
func configFlags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = new(string)
		fs.StringVar(values[i], flagName(s.env), "", s.usage+" (env "+s.env+")")
		if short := strings.TrimPrefix(flagName(s.env), "gatehouse-"); short != flagName(s.env) {
			fs.StringVar(values[i], short, "", "same as --"+flagName(s.env))
		}
	}
	return func() (Config, error) {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var c Config
		for i, s := range settings {
			v, from := s.def, s.env
			if e := getenv(s.env); e != "" {
				v = e
			}
			short := strings.TrimPrefix(flagName(s.env), "gatehouse-")
			if set[flagName(s.env)] || set[short] {
				v, from = *values[i], "--"+flagName(s.env)
			}
			if err := s.set(&c, v); err != nil {
				return Config{}, fmt.Errorf("invalid %s=%q: %v", from, v, err)
			}
		}
		var err error
		if c.OAuthProviders, err = oauthProviders(getenv); err != nil {
			return Config{}, err
		}
		return c, c.check()
	}
}

// check validates the settings that depend on each other.
func (c *Config) check() error {
	if c.BaseURL == "" {
		if c.Prod() {
			return errors.New("GATEHOUSE_BASE_URL is required when GATEHOUSE_ENV=prod")
		}
		c.BaseURL = defaultBaseURL(c.Addr)
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return errors.New("GATEHOUSE_METRICS_ADDR must differ from GATEHOUSE_ADDR (set only GATEHOUSE_METRICS_TOKEN to serve /metrics there)")
	}
	if c.Prod() && c.SMTPURL == "" {
		return errors.New("GATEHOUSE_SMTP_URL is required when GATEHOUSE_ENV=prod (mail would never leave the outbox)")
	}
	return nil
}

// defaultBaseURL is the base URL of a server listening on addr when none is
// configured: http://ADDR, with a wildcard host shown as localhost.
func defaultBaseURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
