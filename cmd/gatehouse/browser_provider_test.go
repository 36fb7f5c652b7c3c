package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gatehouse/internal/oidctest"
)

// TestBrowserProviderSignIn drives real Chromium against the real binary
// configured (AUTH_PROVIDERS, AUTH_IDP_*) with an OpenID provider running
// in the test process: "Continue with Test IdP" on the sign-in page goes
// through the provider's authorize, the callback creates the member and
// lands on /account, which lists the linked provider.
func TestBrowserProviderSignIn(t *testing.T) {
	step := chromiumSession(t, 60*time.Second)
	idp := oidctest.New(t)
	s := startServer(t, env{
		"GATEHOUSE_DB":                       filepath.Join(t.TempDir(), "gatehouse.db"),
		"AUTH_PROVIDERS":                     "idp",
		"AUTH_IDP_DRIVER":                    "openid",
		"AUTH_IDP_LABEL":                     "Test IdP",
		"AUTH_IDP_CLIENT_ID":                 idp.Client,
		"AUTH_IDP_CLIENT_SECRET":             idp.Secret,
		"AUTH_IDP_ISSUER_URL":                idp.URL(),
		"AUTH_IDP_ALLOW_PUBLIC_REGISTRATION": "true",
	})
	var email, identities string
	step("continue with the provider",
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible(`[data-testid="provider-idp"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="provider-idp"]`, chromedp.ByQuery),
		chromedp.WaitVisible(accountHeading, chromedp.ByQuery),
		chromedp.Text(`[data-testid="account-email"]`, &email, chromedp.ByQuery),
		chromedp.Text(`[data-testid="identities"]`, &identities, chromedp.ByQuery),
	)
	if !strings.Contains(email, "nia@example.com") || !strings.Contains(identities, "Test IdP") {
		t.Fatalf("account page: email %q, providers %q", email, identities)
	}
}
