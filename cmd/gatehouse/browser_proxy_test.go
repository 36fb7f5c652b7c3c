package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// sessionCookie reads the browser's page-session cookie.
func sessionCookie(value *string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		cookies, err := network.GetCookies().Do(ctx)
		if err != nil {
			return err
		}
		for _, c := range cookies {
			if strings.Contains(c.Name, "gatehouse_sid") {
				*value = c.Name + "=" + c.Value
			}
		}
		return nil
	})
}

// cookieSignedIn reports whether replaying the cookie opens the account page.
func cookieSignedIn(t *testing.T, base, cookie string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/account", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestBrowserProxyLogin drives real Chromium against the real binary: an
// admin allows A to log in as B in the member editor, A signs in, uses "Log
// in as…", sees the banner naming both, returns, and is A again; the proxy
// session is dead afterwards.
func TestBrowserProxyLogin(t *testing.T) {
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	step := chromiumSession(t, 90*time.Second)

	create := func(email, name string, extra ...string) int64 {
		t.Helper()
		args := append([]string{"member", "create", "--email", email, "--password", strongPassword, "--name", name}, extra...)
		out, stderr, err := runBinary(t, e, args...)
		if err != nil {
			t.Fatalf("member create %s: %v\n%s", email, err, stderr)
		}
		return createdID(t, out)
	}
	create("root@example.com", "Root Admin", "--role", "owner")
	create("ada@example.com", "Ada Actor")
	bID := create("bea@example.com", "Bea Target")

	const heading = accountHeading
	signIn := func(email string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.base + "/login"),
			chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
			submitLogin(email, strongPassword),
		}
	}
	signOut := chromedp.Tasks{
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
	}

	// The admin allows Ada to log in as Bea with the member picker.
	var text string
	step("admin grants", signIn("root@example.com"),
		chromedp.Navigate(s.base+"/admin/members/"+strconv.FormatInt(bID, 10)),
		chromedp.WaitVisible(`[data-testid="member-picker"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#pick`, "ada@example.com", chromedp.ByQuery),
		chromedp.Click(`[data-testid="pick-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="allow"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="allow"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="grant"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="grants"]`, &text, chromedp.ByQuery),
	)
	if !strings.Contains(text, "Ada Actor") {
		t.Fatalf("grant list after allowing: %q", text)
	}
	step("admin signs out", signOut)

	// Ada logs in as Bea.
	var own, proxied, banner, loc string
	start := `[data-testid="proxy-start-` + strconv.FormatInt(bID, 10) + `"]`
	step("Ada signs in", signIn("ada@example.com"), sessionCookie(&own))
	step("log in as Bea",
		chromedp.WaitVisible(start, chromedp.ByQuery),
		chromedp.Click(start, chromedp.ByQuery),
		// The reason every proxy login gives (docs/decisions.md "Audit
		// events and proxy safeguards").
		chromedp.WaitVisible(`#reason`, chromedp.ByQuery),
		chromedp.SendKeys(`#reason`, "support ticket 42", chromedp.ByQuery),
		chromedp.Click(`[data-testid="proxy-reason-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="proxy-banner"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="proxy-banner"]`, &banner, chromedp.ByQuery),
		chromedp.Text(heading, &text, chromedp.ByQuery),
		chromedp.Location(&loc),
		sessionCookie(&proxied),
	)
	if !strings.Contains(banner, "Acting as Bea Target") || !strings.Contains(banner, "return to Ada Actor") {
		t.Errorf("banner %q", banner)
	}
	if !strings.Contains(text, "Bea Target") || !strings.HasSuffix(loc, "/account") {
		t.Errorf("while proxied: heading %q on %s", text, loc)
	}
	if proxied == "" || proxied == own {
		t.Fatalf("proxy start kept the browser session id")
	}
	if cookieSignedIn(t, s.base, own) {
		t.Error("Ada's pre-proxy cookie still opens the account page")
	}
	// The banner is on every page.
	step("banner on the home page",
		chromedp.Navigate(s.base+"/"),
		chromedp.WaitVisible(`[data-testid="proxy-banner"]`, chromedp.ByQuery),
	)

	// Return: Ada again, no banner, the proxy session dead.
	var bannerGone bool
	var back string
	step("return to Ada",
		chromedp.Click(`[data-testid="proxy-stop"]`, chromedp.ByQuery),
		// The old page has a heading too: wait for the banner to go first.
		chromedp.WaitNotPresent(`[data-testid="proxy-banner"]`, chromedp.ByQuery),
		chromedp.WaitVisible(heading, chromedp.ByQuery),
		chromedp.Text(heading, &text, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('[data-testid="proxy-banner"]') === null`, &bannerGone),
		sessionCookie(&back),
	)
	if !strings.Contains(text, "Ada Actor") || !bannerGone {
		t.Errorf("after return: heading %q, banner gone %v", text, bannerGone)
	}
	if back == proxied || back == own {
		t.Error("return kept a previous browser session id")
	}
	if cookieSignedIn(t, s.base, proxied) {
		t.Error("the proxy session's cookie still opens the account page")
	}
	if !cookieSignedIn(t, s.base, back) {
		t.Error("Ada's restored session does not open the account page")
	}
	step("Bea's activity shows the proxy login", signOut, signIn("bea@example.com"),
		chromedp.Text(`[data-testid="proxy-activity"]`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Ada Actor") || !strings.Contains(text, "signed in as") {
		t.Errorf("Bea's proxy activity: %q", text)
	}
}
