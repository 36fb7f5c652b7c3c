package main

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env is a fake environment for getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// resolve parses args into a fresh flag set with configFlags registered and
// returns the resolved Config.
func resolve(t *testing.T, e env, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := configFlags(fs, e.get)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return config()
}

func TestConfigDefaults(t *testing.T) {
	c, err := resolve(t, env{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:              "127.0.0.1:8080",
		DB:                "data/gatehouse.db",
		BaseURL:           "http://127.0.0.1:8080",
		Env:               "dev",
		MailFrom:          "Gatehouse <no-reply@gatehouse.localhost>",
		MinPasswordLength: 8,
		ResetTTL:          60 * time.Minute,
		SessionTTL:        12 * time.Hour,
		SessionIdleTTL:    30 * time.Minute,
		NewPasswordTTL:    3 * time.Minute, ProxyMaxAge: time.Hour,

		KurocoAccessTTL: time.Hour, KurocoRefreshTTL: 7 * 24 * time.Hour, KurocoGrantTTL: 300 * time.Second, KurocoFileTTL: 300 * time.Second,
		WMEAccessTTL: 24 * time.Hour, WMERefreshTTL: 90 * 24 * time.Hour, WMEMaxAccessPerRefresh: 90,
		DirectusAccessTTL: 15 * time.Minute, DirectusRefreshTTL: 7 * 24 * time.Hour, DirectusSessionCookieTTL: 24 * time.Hour,
		OpenAPIAccessTTL: 24 * time.Hour, OpenAPIRefreshTTL: 12 * 24 * time.Hour,
		KotiveIdleTTL: 12 * time.Hour, InviteTTL: 7 * 24 * time.Hour, ResetCodeTTL: 10 * time.Minute,
		OutboxMaxBackoff: 10 * time.Minute, HashMaxWait: 2 * time.Second, IPRateLimit: 100,
		ResetLimitPerAddress: 5, ResetLimitPerIP: 20,
		JanitorInterval: 10 * time.Minute, RetainTokens: 24 * time.Hour, RetainSessions: 30 * 24 * time.Hour,
		RetainMail: 7 * 24 * time.Hour, AnonTokenLimit: 30,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.Prod() {
		t.Error("Prod() is true by default")
	}
}

func TestConfigFromEnv(t *testing.T) {
	e := env{
		"GATEHOUSE_ADDR":                "0.0.0.0:9000",
		"GATEHOUSE_DB":                  "/var/lib/gatehouse/main.db",
		"GATEHOUSE_BASE_URL":            "https://auth.example.com/",
		"GATEHOUSE_ENV":                 "prod",
		"GATEHOUSE_SMTP_URL":            "smtp+starttls://u:p@mail.example.com:587",
		"GATEHOUSE_MAIL_FROM":           "Auth <auth@example.com>",
		"GATEHOUSE_MIN_PASSWORD_LENGTH": "12",
		"GATEHOUSE_RESET_TTL":           "90m",
		"GATEHOUSE_SESSION_TTL":         "3600", // whole seconds
		"GATEHOUSE_SESSION_IDLE_TTL":    "15m",
		"GATEHOUSE_NEW_PASSWORD_TTL":    "5m",
	}
	c, err := resolve(t, e)
	if err != nil {
		t.Fatal(err)
	}
	want, err := resolve(t, env{}) // every other setting keeps its default
	if err != nil {
		t.Fatal(err)
	}
	want.Addr = "0.0.0.0:9000"
	want.DB = "/var/lib/gatehouse/main.db"
	want.BaseURL = "https://auth.example.com" // trailing slash trimmed
	want.Env = "prod"
	want.SMTPURL = "smtp+starttls://u:p@mail.example.com:587"
	want.MailFrom = "Auth <auth@example.com>"
	want.MinPasswordLength = 12
	want.ResetTTL = 90 * time.Minute
	want.SessionTTL = time.Hour
	want.SessionIdleTTL = 15 * time.Minute
	want.NewPasswordTTL = 5 * time.Minute
	if !reflect.DeepEqual(c, want) {
		t.Errorf("from env:\n got %+v\nwant %+v", c, want)
	}
	if !c.Prod() {
		t.Error("Prod() is false with GATEHOUSE_ENV=prod")
	}
}

func TestConfigFlagOverridesEnv(t *testing.T) {
	e := env{"GATEHOUSE_ADDR": "127.0.0.1:1111", "GATEHOUSE_RESET_TTL": "10m", "GATEHOUSE_DB": "env.db"}
	tests := []struct {
		name     string
		args     []string
		wantAddr string
		wantTTL  time.Duration
		wantDB   string
	}{
		{"no flag", nil, "127.0.0.1:1111", 10 * time.Minute, "env.db"},
		{"long form", []string{"--gatehouse-addr", "127.0.0.1:2222"}, "127.0.0.1:2222", 10 * time.Minute, "env.db"},
		{"short form", []string{"--addr=127.0.0.1:3333"}, "127.0.0.1:3333", 10 * time.Minute, "env.db"},
		{"single dash", []string{"-addr", "127.0.0.1:4444", "-reset-ttl", "20m"}, "127.0.0.1:4444", 20 * time.Minute, "env.db"},
		{"several", []string{"--gatehouse-db", "flag.db", "--gatehouse-reset-ttl=30"}, "127.0.0.1:1111", 30 * time.Second, "flag.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := resolve(t, e, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.wantAddr || c.ResetTTL != tt.wantTTL || c.DB != tt.wantDB {
				t.Errorf("got addr %q ttl %v db %q, want %q %v %q", c.Addr, c.ResetTTL, c.DB, tt.wantAddr, tt.wantTTL, tt.wantDB)
			}
			// The base URL follows the address that won.
			if want := "http://" + tt.wantAddr; c.BaseURL != want {
				t.Errorf("base URL %q, want %q", c.BaseURL, want)
			}
		})
	}
}

func TestConfigFlagOverridesEnvEvenWhenEnvIsBad(t *testing.T) {
	// The flag wins, so a bad environment value it replaces is never read.
	c, err := resolve(t, env{"GATEHOUSE_ENV": "staging"}, "--env", "dev")
	if err != nil {
		t.Fatalf("flag did not override a bad env value: %v", err)
	}
	if c.Env != "dev" {
		t.Errorf("env %q", c.Env)
	}
}

func TestConfigBadValues(t *testing.T) {
	tests := []struct {
		name     string
		env      env
		args     []string
		wantText []string // every string must appear in the error
	}{
		{"addr", env{"GATEHOUSE_ADDR": "nonsense"}, nil, []string{"GATEHOUSE_ADDR", "nonsense", "host:port"}},
		{"env", env{"GATEHOUSE_ENV": "staging"}, nil, []string{"GATEHOUSE_ENV", "staging"}},
		{"base url scheme", env{"GATEHOUSE_BASE_URL": "ftp://x"}, nil, []string{"GATEHOUSE_BASE_URL", "ftp://x"}},
		{"base url relative", env{"GATEHOUSE_BASE_URL": "/auth"}, nil, []string{"GATEHOUSE_BASE_URL"}},
		{"base url query", env{"GATEHOUSE_BASE_URL": "https://a.example?x=1"}, nil, []string{"GATEHOUSE_BASE_URL"}},
		{"base url userinfo", env{"GATEHOUSE_BASE_URL": "https://u:p@a.example"}, nil, []string{"GATEHOUSE_BASE_URL"}},
		{"min password length too small", env{"GATEHOUSE_MIN_PASSWORD_LENGTH": "7"}, nil, []string{"GATEHOUSE_MIN_PASSWORD_LENGTH", "8 to 15"}},
		{"min password length too large", env{"GATEHOUSE_MIN_PASSWORD_LENGTH": "16"}, nil, []string{"GATEHOUSE_MIN_PASSWORD_LENGTH"}},
		{"min password length not a number", env{"GATEHOUSE_MIN_PASSWORD_LENGTH": "ten"}, nil, []string{"GATEHOUSE_MIN_PASSWORD_LENGTH"}},
		{"reset ttl negative", env{"GATEHOUSE_RESET_TTL": "-1"}, nil, []string{"GATEHOUSE_RESET_TTL", "positive"}},
		{"reset ttl zero", env{"GATEHOUSE_RESET_TTL": "0s"}, nil, []string{"GATEHOUSE_RESET_TTL", "positive"}},
		{"reset ttl garbage", env{"GATEHOUSE_RESET_TTL": "soon"}, nil, []string{"GATEHOUSE_RESET_TTL", "duration"}},
		{"reset ttl overflowing seconds", env{"GATEHOUSE_RESET_TTL": "99999999999"}, nil, []string{"GATEHOUSE_RESET_TTL"}},
		{"session ttl negative", env{"GATEHOUSE_SESSION_TTL": "-5m"}, nil, []string{"GATEHOUSE_SESSION_TTL"}},
		{"idle ttl", env{"GATEHOUSE_SESSION_IDLE_TTL": "x"}, nil, []string{"GATEHOUSE_SESSION_IDLE_TTL"}},
		{"new password ttl", env{"GATEHOUSE_NEW_PASSWORD_TTL": "0"}, nil, []string{"GATEHOUSE_NEW_PASSWORD_TTL"}},
		{"smtp url scheme", env{"GATEHOUSE_SMTP_URL": "http://x"}, nil, []string{"GATEHOUSE_SMTP_URL", "http://x"}},
		{"smtp url no host", env{"GATEHOUSE_SMTP_URL": "smtp://"}, nil, []string{"GATEHOUSE_SMTP_URL"}},
		{"mail from", env{"GATEHOUSE_MAIL_FROM": "nobody"}, nil, []string{"GATEHOUSE_MAIL_FROM"}},
		{"mail from header injection", env{"GATEHOUSE_MAIL_FROM": "a@b.example\r\nBcc: x@y.example"}, nil, []string{"GATEHOUSE_MAIL_FROM"}},
		{"db blank", env{"GATEHOUSE_DB": "  "}, nil, []string{"GATEHOUSE_DB"}},
		{"bad flag names the flag", nil, []string{"--addr", "nonsense"}, []string{"--gatehouse-addr", "nonsense"}},
		{"bad long flag", nil, []string{"--gatehouse-min-password-length", "3"}, []string{"--gatehouse-min-password-length"}},
		{"prod without base url", env{"GATEHOUSE_ENV": "prod", "GATEHOUSE_SMTP_URL": "smtp://mail.example:25"}, nil, []string{"GATEHOUSE_BASE_URL", "prod"}},
		{"prod without smtp", env{"GATEHOUSE_ENV": "prod", "GATEHOUSE_BASE_URL": "https://auth.example"}, nil, []string{"GATEHOUSE_SMTP_URL", "prod"}},
		{"prod by flag without smtp", env{"GATEHOUSE_BASE_URL": "https://auth.example"}, []string{"--env=prod"}, []string{"GATEHOUSE_SMTP_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env == nil {
				tt.env = env{}
			}
			c, err := resolve(t, tt.env, tt.args...)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestConfigDefaultBaseURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"localhost:3000", "http://localhost:3000"},
		{"0.0.0.0:9000", "http://localhost:9000"},
		{":9000", "http://localhost:9000"},
		{"[::]:9000", "http://localhost:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"auth.internal:80", "http://auth.internal:80"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			c, err := resolve(t, env{"GATEHOUSE_ADDR": tt.addr})
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL != tt.want {
				t.Errorf("base URL for %q = %q, want %q", tt.addr, c.BaseURL, tt.want)
			}
		})
	}

	// A configured base URL is kept, whatever the address.
	c, err := resolve(t, env{"GATEHOUSE_ADDR": "0.0.0.0:9000", "GATEHOUSE_BASE_URL": "https://auth.example.com/gh/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://auth.example.com/gh" {
		t.Errorf("configured base URL became %q", c.BaseURL)
	}
}

func TestFlagName(t *testing.T) {
	for env, want := range map[string]string{
		"GATEHOUSE_ADDR":                "gatehouse-addr",
		"GATEHOUSE_BASE_URL":            "gatehouse-base-url",
		"GATEHOUSE_MIN_PASSWORD_LENGTH": "gatehouse-min-password-length",
	} {
		if got := flagName(env); got != want {
			t.Errorf("flagName(%q) = %q, want %q", env, got, want)
		}
	}
}

func TestConfigTokenSettings(t *testing.T) {
	c, err := resolve(t, env{
		"ACCESS_TOKEN_TTL":              "900",
		"REFRESH_TOKEN_TTL":             "3d",
		"PASSWORD_RESET_URL_ALLOW_LIST": "https://app.example.com/reset, https://admin.example.com/reset",
		"AUTH_PROVIDERS":                "github",
		"AUTH_GITHUB_CLIENT_ID":         "id",
		"AUTH_GITHUB_AUTHORIZE_URL":     "https://github.com/login/oauth/authorize",
		"AUTH_GITHUB_ACCESS_URL":        "https://github.com/login/oauth/access_token",
		"AUTH_GITHUB_PROFILE_URL":       "https://api.github.com/user",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DirectusAccessTTL != 15*time.Minute || c.DirectusRefreshTTL != 72*time.Hour {
		t.Errorf("directus TTLs %v %v", c.DirectusAccessTTL, c.DirectusRefreshTTL)
	}
	if len(c.ResetURLAllowList) != 2 || c.ResetURLAllowList[1] != "https://admin.example.com/reset" {
		t.Errorf("allow list %q", c.ResetURLAllowList)
	}
	if len(c.OAuthProviders) != 1 || c.OAuthProviders[0].Name != "github" || c.OAuthProviders[0].Label != "Github" {
		t.Errorf("providers %+v", c.OAuthProviders)
	}
	p := authConfig(c).Policies
	if p["directus"].Access != 15*time.Minute || p["directus"].Refresh != 72*time.Hour || p["wme"].MaxMints != 90 {
		t.Errorf("policies %+v", p)
	}
	for _, bad := range []env{
		{"AUTH_PROVIDERS": "github"},
		{"AUTH_PROVIDERS": "x", "AUTH_X_CLIENT_ID": "i", "AUTH_X_AUTHORIZE_URL": "ftp://x", "AUTH_X_ACCESS_URL": "https://a", "AUTH_X_PROFILE_URL": "https://p"},
		{"PASSWORD_RESET_URL_ALLOW_LIST": "/relative"},
		{"GATEHOUSE_WME_MAX_ACCESS_PER_REFRESH": "0"},
		{"AUTH_PROVIDERS": "g", "AUTH_G_DRIVER": "openid", "AUTH_G_CLIENT_ID": "i"},
		{"AUTH_PROVIDERS": "g", "AUTH_G_DRIVER": "saml", "AUTH_G_CLIENT_ID": "i", "AUTH_G_ISSUER_URL": "https://i"},
		{"AUTH_PROVIDERS": "g", "AUTH_G_DRIVER": "openid", "AUTH_G_CLIENT_ID": "i", "AUTH_G_ISSUER_URL": "https://i", "AUTH_G_ALLOW_PUBLIC_REGISTRATION": "maybe"},
		{"AUTH_PROVIDERS": "g", "AUTH_G_DRIVER": "openid", "AUTH_G_CLIENT_ID": "i", "AUTH_G_ISSUER_URL": "https://i", "AUTH_G_DEFAULT_ROLE": "king"},
	} {
		if _, err := resolve(t, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestConfigOpenIDProvider reads an openid provider as Directus configures
// one: the issuer instead of the three URLs, registration and role rules.
func TestConfigOpenIDProvider(t *testing.T) {
	c, err := resolve(t, env{
		"AUTH_PROVIDERS":                        "google",
		"AUTH_GOOGLE_DRIVER":                    "openid",
		"AUTH_GOOGLE_CLIENT_ID":                 "id",
		"AUTH_GOOGLE_CLIENT_SECRET":             "secret",
		"AUTH_GOOGLE_ISSUER_URL":                "https://accounts.google.com",
		"AUTH_GOOGLE_ALLOW_PUBLIC_REGISTRATION": "true",
		"AUTH_GOOGLE_DEFAULT_ROLE":              "maker",
		"AUTH_GOOGLE_REDIRECT_ALLOW_LIST":       "https://app.example/after",
	})
	if err != nil {
		t.Fatal(err)
	}
	p := c.OAuthProviders[0]
	if p.Driver != "openid" || p.IssuerURL != "https://accounts.google.com" || !p.AllowPublicRegistration ||
		p.DefaultRole != 3 || p.Scope != "openid profile email" || p.IdentifierKey != "email" {
		t.Fatalf("provider %+v", p)
	}
	a := apiConfig(c).OAuthProviders[0]
	if a.IssuerURL != p.IssuerURL || !a.AllowPublicRegistration || a.RedirectAllow[0] != "https://app.example/after" {
		t.Fatalf("api provider %+v", a)
	}
}

// TestConfigBruteForce reads GATEHOUSE_IP_RATE_LIMIT and
// GATEHOUSE_TRUSTED_PROXIES (docs/security.md B4).
func TestConfigBruteForce(t *testing.T) {
	c, err := resolve(t, env{"GATEHOUSE_IP_RATE_LIMIT": "off", "GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7 ,::1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.IPRateLimit != -1 || !reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.7", "::1"}) {
		t.Errorf("got limit %d, proxies %q", c.IPRateLimit, c.TrustedProxies)
	}
	if c, err = resolve(t, env{}, "--ip-rate-limit", "25"); err != nil || c.IPRateLimit != 25 {
		t.Errorf("--ip-rate-limit 25 = %d, %v", c.IPRateLimit, err)
	}
	c, err = resolve(t, env{"GATEHOUSE_RESET_LIMIT_PER_ADDRESS": "off", "GATEHOUSE_RESET_LIMIT_PER_IP": "50"})
	if err != nil || c.ResetLimitPerAddress != -1 || c.ResetLimitPerIP != 50 {
		t.Errorf("reset limits off and 50 = %d, %d, %v", c.ResetLimitPerAddress, c.ResetLimitPerIP, err)
	}
	if c, err = resolve(t, env{}, "--reset-limit-per-ip", "7"); err != nil || c.ResetLimitPerIP != 7 {
		t.Errorf("--reset-limit-per-ip 7 = %d, %v", c.ResetLimitPerIP, err)
	}
	for _, bad := range []env{
		{"GATEHOUSE_RESET_LIMIT_PER_ADDRESS": "0"},
		{"GATEHOUSE_RESET_LIMIT_PER_IP": "many"},
		{"GATEHOUSE_IP_RATE_LIMIT": "0"},
		{"GATEHOUSE_IP_RATE_LIMIT": "lots"},
		{"GATEHOUSE_TRUSTED_PROXIES": "proxy.example.com"},
		{"GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/33"},
	} {
		if _, err := resolve(t, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestConfigJanitorAndAnonymousLimit(t *testing.T) {
	c, err := resolve(t, env{"GATEHOUSE_JANITOR_INTERVAL": "off", "GATEHOUSE_RETAIN_TOKENS": "2h",
		"GATEHOUSE_RETAIN_SESSIONS": "90d", "GATEHOUSE_RETAIN_MAIL": "48h", "GATEHOUSE_ANON_TOKEN_LIMIT": "off"})
	if err != nil {
		t.Fatal(err)
	}
	if c.JanitorInterval != -1 || c.RetainTokens != 2*time.Hour || c.RetainSessions != 90*24*time.Hour ||
		c.RetainMail != 48*time.Hour || c.AnonTokenLimit != -1 {
		t.Errorf("got %+v", c)
	}
	r := authConfig(c).Retention
	if r.Every != -1 || r.Tokens != 2*time.Hour || r.Sessions != 90*24*time.Hour || r.Mail != 48*time.Hour || authConfig(c).AnonymousTokenLimit != -1 {
		t.Errorf("auth config %+v", authConfig(c))
	}
	if c, err = resolve(t, env{}, "--janitor-interval", "1m", "--anon-token-limit", "5"); err != nil || c.JanitorInterval != time.Minute || c.AnonTokenLimit != 5 {
		t.Errorf("flags: %+v, %v", c, err)
	}
	for _, bad := range []env{
		{"GATEHOUSE_JANITOR_INTERVAL": "0"},
		{"GATEHOUSE_JANITOR_INTERVAL": "often"},
		{"GATEHOUSE_RETAIN_TOKENS": "-1h"},
		{"GATEHOUSE_RETAIN_SESSIONS": "forever"},
		{"GATEHOUSE_RETAIN_MAIL": "23h"},
		{"GATEHOUSE_ANON_TOKEN_LIMIT": "0"},
		{"GATEHOUSE_ANON_TOKEN_LIMIT": "many"},
	} {
		if _, err := resolve(t, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
