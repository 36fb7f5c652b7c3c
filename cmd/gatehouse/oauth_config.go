package main

import (
	"fmt"
	"net/url"
	"strings"

	"gatehouse/internal/auth"
)

// OAuthProvider is one Directus-style OAuth provider: AUTH_PROVIDERS names
// them, and AUTH_<PROVIDER>_* configure each (environment only: the names
// are dynamic, so there are no flags for them).
type OAuthProvider struct {
	Name, Label, Driver, Icon           string
	ClientID, ClientSecret              string
	AuthorizeURL, AccessURL, ProfileURL string // oauth2 driver
	IssuerURL                           string // openid driver (discovery)
	Scope                               string
	IdentifierKey                       string // oauth2: the profile field naming the account
	AllowPublicRegistration             bool
	DefaultRole                         auth.RoleID
	RedirectAllowList                   []string
}

// oauthProviders reads AUTH_PROVIDERS and each provider's variables, as
// Directus reads them. A provider without its client id or endpoints (the
// issuer for openid, the three URLs for oauth2) is a start-up error naming
// the missing variable.
func oauthProviders(getenv func(string) string) ([]OAuthProvider, error) {
	var out []OAuthProvider
	for _, name := range splitList(getenv("AUTH_PROVIDERS")) {
		name = strings.ToLower(name)
		prefix := "AUTH_" + strings.ToUpper(name) + "_"
		get := func(k string) string { return strings.TrimSpace(getenv(prefix + k)) }
		p := OAuthProvider{
			Name: name, Label: get("LABEL"), Driver: strings.ToLower(get("DRIVER")), Icon: get("ICON"),
			ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"),
			AuthorizeURL: get("AUTHORIZE_URL"), AccessURL: get("ACCESS_URL"), ProfileURL: get("PROFILE_URL"),
			IssuerURL: get("ISSUER_URL"), Scope: get("SCOPE"), IdentifierKey: get("IDENTIFIER_KEY"),
			RedirectAllowList: splitList(get("REDIRECT_ALLOW_LIST")),
		}
		if p.Driver == "" {
			p.Driver = "oauth2"
		}
		if p.Label == "" {
			p.Label = strings.ToUpper(name[:1]) + name[1:]
		}
		switch v := strings.ToLower(get("ALLOW_PUBLIC_REGISTRATION")); v {
		case "", "false", "0":
		case "true", "1":
			p.AllowPublicRegistration = true
		default:
			return nil, fmt.Errorf("%sALLOW_PUBLIC_REGISTRATION=%q: must be true or false", prefix, v)
		}
		if v := get("DEFAULT_ROLE"); v != "" {
			r, ok := auth.ParseRole(v)
			if !ok {
				return nil, fmt.Errorf("%sDEFAULT_ROLE=%q: must be owner, admin or maker", prefix, v)
			}
			p.DefaultRole = r
		}
		urls := []struct{ key, val string }{{"AUTHORIZE_URL", p.AuthorizeURL}, {"ACCESS_URL", p.AccessURL}, {"PROFILE_URL", p.ProfileURL}}
		switch p.Driver {
		case "openid":
			urls = []struct{ key, val string }{{"ISSUER_URL", p.IssuerURL}}
			if p.Scope == "" {
				p.Scope = "openid profile email"
			}
		case "oauth2":
			if p.Scope == "" {
				p.Scope = "email"
			}
		default:
			return nil, fmt.Errorf("%sDRIVER=%q: must be openid or oauth2", prefix, p.Driver)
		}
		if p.IdentifierKey == "" {
			p.IdentifierKey = "email"
		}
		for _, req := range append([]struct{ key, val string }{{"CLIENT_ID", p.ClientID}}, urls...) {
			if req.val == "" {
				return nil, fmt.Errorf("%s%s is required for provider %q in AUTH_PROVIDERS", prefix, req.key, name)
			}
		}
		for _, req := range urls {
			if u, err := url.Parse(req.val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("invalid %s%s=%q: must be an absolute http(s) URL", prefix, req.key, req.val)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
