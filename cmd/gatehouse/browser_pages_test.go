package main

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPagesLook runs the real binary and audits every page with
// axe-core in Chromium, signed out, as a member, as an admin and in a proxy
// session, each in light and dark at 1280 and 390 px (browser_axe_test.go);
// the signed-out pages, the account pages and admin pages again in Japanese
// (browser_lang_test.go).
// Screenshots land in testdata/screenshots/ (ignored by git).
func TestBrowserPagesLook(t *testing.T) {
	axe := axeSource(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	tab, step := chromiumTab(t, 40*time.Minute)
	w, enable := watchCSP(tab)
	step("enable events", enable)
	audit := func(name, path, ready string) {
		t.Helper()
		auditPage(t, tab, step, w, axe, name, s.base+path, ready)
	}
	const main = "main h1"

	// Signed out, on an empty database (the first-Owner hint on /login).
	audit("login-empty-db", "/login", main)
	create := func(email, name string, extra ...string) int64 {
		t.Helper()
		out, stderr, err := runBinary(t, e, append([]string{"member", "create", "--email", email, "--password", strongPassword, "--name", name}, extra...)...)
		if err != nil {
			t.Fatalf("member create %s: %v\n%s", email, err, stderr)
		}
		return createdID(t, out)
	}
	create("root@example.com", "Root Owner", "--role", "owner")
	create("ada@example.com", "Ada Actor")
	bea := create("bea@example.com", "Bea Target")
	if _, stderr, err := runBinary(t, e, "member", "grant-proxy", "--target", "bea@example.com", "--actor", "ada@example.com"); err != nil {
		t.Fatalf("grant-proxy: %v\n%s", err, stderr)
	}
	for _, p := range []struct{ name, path string }{
		{"login", "/login"}, {"register", "/register"}, {"forgot-password", "/forgot-password"},
		{"reset-password-invalid", "/reset-password?token=nope"}, {"not-found", "/no-such-page"}, {"dev-mail", "/_dev/mail"},
	} {
		audit(p.name, p.path, main)
	}
	audit("docs", "/docs", "#redoc .api-content")

	// The same signed-out pages in Japanese (Accept-Language: ja).
	auditJA := func(name, path string) {
		t.Helper()
		step("ask for Japanese", japanese(true))
		audit("ja-"+name, path, main)
		step("check "+name+" is Japanese", pageLang(t, "ja"))
		step("ask for no language", japanese(false))
	}
	for _, p := range []struct{ name, path string }{
		{"login", "/login"}, {"register", "/register"}, {"forgot-password", "/forgot-password"},
		{"reset-password-invalid", "/reset-password?token=nope"}, {"not-found", "/no-such-page"},
	} {
		auditJA(p.name, p.path)
	}

	signIn := func(email string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.base + "/login"),
			chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
			submitLogin(email, strongPassword),
		}
	}
	signOut := chromedp.Tasks{
		chromedp.Navigate(s.base + "/account"),
		chromedp.WaitVisible(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
	}

	// A failed sign-in (the error summary, "Error: " title).
	step("failed sign-in", chromedp.Navigate(s.base+"/login"), chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery))
	step("submit wrong password",
		chromedp.SendKeys(`input[name="identifier"]`, "ada@example.com", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, "not-the-password", chromedp.ByQuery),
		chromedp.Click(`[data-testid="login-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="form-error"]`, chromedp.ByQuery),
	)

	// The admin.
	step("owner signs in", signIn("root@example.com"))
	step("create a group",
		chromedp.Navigate(s.base+"/admin/groups"),
		chromedp.WaitVisible(`[data-testid="new-group"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, "Sales", chromedp.ByQuery),
		chromedp.Click(`[data-testid="create-group"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="delete-group"]`, chromedp.ByQuery),
	)
	beaPath := "/admin/members/" + strconv.FormatInt(bea, 10)
	for _, p := range []struct{ name, path string }{
		{"owner-account", "/account"}, {"admin-members", "/admin/members"}, {"admin-members-sorted", "/admin/members?sort=email&dir=desc"},
		{"admin-new-member", "/admin/members/new"}, {"admin-member", beaPath}, {"admin-member-delete", beaPath + "/delete"},
		{"admin-groups", "/admin/groups"}, {"admin-group-delete", "/admin/groups/2/delete"}, {"admin-audit", "/admin/audit"},
		{"admin-clients", "/admin/clients"},
		{"docs-signed-in", "/docs"},
	} {
		ready := main
		if p.name == "docs-signed-in" {
			ready = "#redoc .api-content"
			if testing.Short() {
				continue
			}
		}
		audit(p.name, p.path, ready)
	}
	auditJA("owner-account", "/account")
	auditJA("admin-members", "/admin/members")
	auditJA("admin-new-member", "/admin/members/new")
	auditJA("admin-member", beaPath)
	auditJA("admin-audit", "/admin/audit")
	step("owner signs out", signOut)

	// A member, then the same member acting as another.
	step("Ada signs in", signIn("ada@example.com"))
	audit("member-account", "/account", main)
	audit("member-activity", "/account/activity", main)
	auditJA("member-account", "/account")
	auditJA("member-activity", "/account/activity")
	// Sign in with Gatehouse: the consent page of a third-party app and
	// "Sign in again" (prompt=login) of a first-party one.
	authorize := func(extra ...string) string {
		t.Helper()
		out, stderr, err := runBinary(t, e, append([]string{"client", "create", "--name", "Wiki", "--redirect-uri", "https://wiki.example/cb", "--json"}, extra...)...)
		var c clientJSON
		if err != nil || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("client create: %v\n%s", err, stderr)
		}
		q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://wiki.example/cb"}, "response_type": {"code"},
			"scope": {"openid email profile"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		if len(extra) > 0 {
			q.Set("prompt", "login")
		}
		return "/authorize?" + q.Encode()
	}
	audit("oidc-consent", authorize(), main)
	audit("oidc-reauth", authorize("--first-party"), main)
	start := `[data-testid="proxy-start-` + strconv.FormatInt(bea, 10) + `"]`
	step("log in as Bea", chromedp.Navigate(s.base+"/account"), chromedp.WaitVisible(start, chromedp.ByQuery),
		chromedp.Click(start, chromedp.ByQuery), chromedp.WaitVisible(`#reason`, chromedp.ByQuery))
	step("give the reason", chromedp.SendKeys(`#reason`, "support ticket 42", chromedp.ByQuery),
		chromedp.Click(`[data-testid="proxy-reason-submit"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="proxy-banner"]`, chromedp.ByQuery))
	audit("proxy-account", "/account", main)
	audit("proxy-forbidden", "/admin/members", main)
}
