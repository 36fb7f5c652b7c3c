package main

import (
	"fmt"
	"net/url"
	"strings"
)

// OAuthProvider is one Directus-style OAuth provider: AUTH_PROVIDERS names
// them, and AUTH_<PROVIDER>_* configure each (environment only: the names
// are dynamic, so there are no flags for them).
type OAuthProvider struct {
	Name, Label, Driver, Icon           string
	ClientID, ClientSecret              string
	AuthorizeURL, AccessURL, ProfileURL string
	Scope                               string
	RedirectAllowList                   []string
}

// oauthProviders reads AUTH_PROVIDERS and each provider's variables. A
// provider without its client id or endpoints is a start-up error naming
// the missing variable.
func oauthProviders(getenv func(string) string) ([]OAuthProvider, error) {
	var out []OAuthProvider
	for _, name := range splitList(getenv("AUTH_PROVIDERS")) {
		name = strings.ToLower(name)
		prefix := "AUTH_" + strings.ToUpper(name) + "_"
		get := func(k string) string { return strings.TrimSpace(getenv(prefix + k)) }
		p := OAuthProvider{
			Name: name, Label: get("LABEL"), Driver: get("DRIVER"), Icon: get("ICON"),
			ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"),
			AuthorizeURL: get("AUTHORIZE_URL"), AccessURL: get("ACCESS_URL"), ProfileURL: get("PROFILE_URL"),
			Scope: get("SCOPE"), RedirectAllowList: splitList(get("REDIRECT_ALLOW_LIST")),
		}
		if p.Driver == "" {
			p.Driver = "oauth2"
		}
		if p.Label == "" {
			p.Label = strings.ToUpper(name[:1]) + name[1:]
		}
		for _, req := range []struct{ key, val string }{{"CLIENT_ID", p.ClientID}, {"AUTHORIZE_URL", p.AuthorizeURL}, {"ACCESS_URL", p.AccessURL}, {"PROFILE_URL", p.ProfileURL}} {
			if req.val == "" {
				return nil, fmt.Errorf("%s%s is required for provider %q in AUTH_PROVIDERS", prefix, req.key, name)
			}
		}
		for _, req := range []struct{ key, val string }{{"AUTHORIZE_URL", p.AuthorizeURL}, {"ACCESS_URL", p.AccessURL}, {"PROFILE_URL", p.ProfileURL}} {
			if u, err := url.Parse(req.val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("invalid %s%s=%q: must be an absolute http(s) URL", prefix, req.key, req.val)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
