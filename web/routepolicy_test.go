package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

// Who may reach a route.
const (
	public = "public" // anyone (it may authenticate by itself: login, token exchange…)
	member = "member" // a signed-in member or a bearer of an access token
	admin  = "admin"  // an Account Owner or User Administrator acting as themselves
)

// routePolicy lists every registered route (docs/security.md A1). "ALL path" is a
// route registered for every method (a dialect's catch-all, answering 404 in
// that dialect's envelope). A new route fails TestRoutePolicy until it is
// added here.
var routePolicy = map[string]string{
	// Infrastructure, discovery, docs, static.
	"GET /healthz":                          public,
	"GET /readyz":                           public, // (GET /metrics, routed only with GATEHOUSE_METRICS_TOKEN, checks its own token: metrics_test.go)
	"GET /.well-known/jwks.json":            public,
	"GET /.well-known/openid-configuration": public,
	"GET /favicon.ico":                      public,
	"GET /static/*":                         public,
	"GET /openapi.json":                     public,
	"GET /docs":                             public,
	"GET /_dev/mail":                        public, // dev mode only (no SMTP configured)
	"GET /_dev/mail.json":                   public, // dev mode only

	// The OpenID Provider (web/oidc.go): the client authenticates itself at
	// the token, introspection and revocation endpoints; userinfo takes an
	// access token; /authorize/continue signs in through /login.
	"GET /authorize":                    public,
	"POST /authorize":                   public,
	"GET /authorize/callback":           public,
	"POST /account/apps/:client/revoke": member,
	"GET /authorize/continue":           public,
	"POST /authorize/continue":          member,
	"POST /oauth/token":                 public,
	"POST /oauth/introspect":            public,
	"POST /revoke":                      public,
	"GET /userinfo":                     member,
	"GET /end_session":                  public, // needs a verified id_token_hint
	"POST /end_session":                 public,
	"POST /userinfo":                    member,

	// Pages.
	"GET /":                                 public,
	"GET /login":                            public,
	"POST /login":                           public,
	"GET /login/new-password":               public,
	"POST /login/new-password":              public,
	"GET /login/otp":                        public,
	"GET /login/with/:provider":             public,
	"GET /login/with/:provider/callback":    public,
	"POST /login/otp":                       public,
	"GET /register":                         public,
	"POST /register":                        public,
	"GET /forgot-password":                  public,
	"POST /forgot-password":                 public,
	"GET /reset-password":                   public,
	"POST /reset-password":                  public,
	"POST /logout":                          public,
	"POST /language":                        public,
	"POST /account/preferences":             member,
	"GET /account":                          member,
	"POST /account/profile":                 member,
	"POST /account/password":                member,
	"POST /account/sessions/:id/revoke":     member,
	"GET /account/providers/:provider/link": member,
	"POST /account/providers/:id/unlink":    member,
	"POST /proxy/start/:id":                 member,
	"POST /proxy/stop":                      member,
	"POST /account/files":                   member,
	"POST /account/files/:id/delete":        member,
	"GET /account/files/:id":                member,

	"GET /account/activity":                   member,
	"POST /account/activity/sessions/:id/end": member,

	"GET /files/t=:token/:id/:name?": public, // file_access_token in the path
	"GET /files/:id/:name?":          public, // file_access_token in ?t=

	// The account page's two-factor section (page_account_twofactor.go).
	"POST /account/two-factor/setup":          member,
	"POST /account/two-factor/enable":         member,
	"POST /account/two-factor/cancel":         member,
	"POST /account/two-factor/recovery-codes": member,
	"POST /account/two-factor/disable":        member,
	"POST /login/passkey/begin":               public,
	"POST /login/passkey/finish":              public,
	"POST /login/passkey/second/begin":        public, // the pending password sign-in of this browser
	"POST /login/passkey/second/finish":       public,
	"POST /account/passkeys/begin":            member,
	"POST /account/passkeys/finish":           member,
	"POST /account/passkeys/:id/rename":       member,
	"POST /account/passkeys/:id/delete":       member,

	// The member editor.
	"GET /admin/members":                                 admin,
	"GET /admin/members/new":                             admin,
	"POST /admin/members":                                admin,
	"GET /admin/members/:id":                             admin,
	"POST /admin/members/:id":                            admin,
	"POST /admin/members/:id/status":                     admin,
	"POST /admin/members/:id/reset":                      admin,
	"POST /admin/members/:id/sessions/end":               admin,
	"POST /admin/members/:id/roles":                      admin,
	"POST /admin/members/:id/proxy-grants":               admin,
	"POST /admin/members/:id/proxy-grants/:actor/delete": admin,
	"GET /admin/members/:id/delete":                      admin,
	"POST /admin/members/:id/delete":                     admin,
	"POST /admin/members/:id/files":                      admin,
	"POST /admin/members/:id/files/:fid/delete":          admin,
	"GET /admin/members/:id/files/:fid":                  admin,
	"GET /admin/audit":                                   admin,
	"GET /admin/groups":                                  admin,
	"POST /admin/groups":                                 admin,
	"POST /admin/groups/:id":                             admin,
	"GET /admin/groups/:id/delete":                       admin,
	"POST /admin/groups/:id/delete":                      admin,
	"GET /admin/webhooks":                                admin,
	"POST /admin/webhooks":                               admin,
	"POST /admin/webhooks/:id/delete":                    admin,
	"GET /admin/clients":                                 admin,
	"POST /admin/clients":                                admin,
	"POST /admin/clients/:client/delete":                 admin,

	// kuroco.
	"POST /rcms-api/:api_id/login":            public,
	"POST /rcms-api/:api_id/token":            public, // grant_token or refresh_token
	"POST /rcms-api/:api_id/reminder":         public,
	"POST /rcms-api/:api_id/reset_password":   public,
	"POST /rcms-api/:api_id/logout":           member,
	"POST /rcms-api/:api_id/alias_login":      member,
	"GET /rcms-api/:api_id/profile":           member,
	"GET /rcms-api/:api_id/file_access_token": member,
	"ALL /rcms-api":                           public,
	"ALL /rcms-api/*":                         public,

	// wme.
	"POST /v1/login":                   public,
	"POST /v1/new-password-required":   public,
	"POST /v1/token-refresh":           public,
	"POST /v1/token-revoke":            public,
	"POST /v1/forgot-password":         public,
	"POST /v1/forgot-password-confirm": public,
	"POST /v1/change-password":         member,
	"ALL /v1":                          public,
	"ALL /v1/*":                        public,

	// kotive.
	"GET /api/login":               public,
	"POST /api/login":              public,
	"POST /api/user/resetpassword": public,
	"POST /api/logout":             member,
	"ALL /api":                     public,
	"ALL /api/*":                   public,

	// openapi.
	"POST /auth":                 member,
	"POST /auth/register":        public,
	"POST /auth/refresh-tokens":  public,
	"POST /auth/reset-password":  public,
	"POST /auth/forgot-password": public,

	// directus (and the shared /auth/login, /auth/logout).
	"POST /auth/login":                   public,
	"POST /auth/logout":                  public, // takes the refresh token
	"POST /auth/refresh":                 public,
	"POST /auth/password/request":        public,
	"POST /auth/password/reset":          public,
	"GET /auth":                          public,
	"GET /auth/oauth":                    public,
	"GET /auth/oauth/:provider":          public,
	"GET /auth/login/:provider":          public,
	"GET /auth/oauth/:provider/callback": public,
	"GET /auth/login/:provider/callback": public,
	"GET /users/me":                      member,
	"PATCH /users/me":                    member,
	"POST /users/me/tfa/generate":        member,
	"POST /users/me/tfa/enable":          member,
	"POST /users/me/tfa/disable":         member,
	"POST /graphql/system":               public, // each operation authenticates itself
	"ALL /auth/*":                        public,
	"ALL /users/me/tfa":                  public,
	"ALL /users/me/tfa/*":                public,
	"ALL /users/me/*":                    public,
	"ALL /graphql":                       public,
	"ALL /graphql/*":                     public,
}

// allMethods are the methods app.All registers.
var allMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// registeredRoutes returns "METHOD path" for every route of the app (Use
// middleware excluded by GetRoutes(true); HEAD mirrors GET), with a path
// registered for every method collapsed to "ALL path".
func registeredRoutes(e *env) map[string]bool {
	methods := map[string]map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if methods[r.Path] == nil {
			methods[r.Path] = map[string]bool{}
		}
		methods[r.Path][r.Method] = true
	}
	out := map[string]bool{}
	for path, ms := range methods {
		all := true
		for _, m := range allMethods {
			all = all && ms[m]
		}
		if all {
			out["ALL "+path] = true
			continue
		}
		for m := range ms {
			if m != http.MethodHead {
				out[m+" "+path] = true
			}
		}
	}
	return out
}

// TestRoutePolicy is docs/security.md A1: every registered route, in every
// configuration (dev mode adds /_dev/mail), has a policy, and the table
// names no route that no longer exists.
func TestRoutePolicy(t *testing.T) {
	seen := map[string]bool{}
	for k := range registeredRoutes(newEnv(t, envOptions{})) {
		seen[k] = true
	}
	for k := range registeredRoutes(newEnv(t, envOptions{noSMTP: true})) {
		seen[k] = true
	}
	var missing, stale []string
	for k := range seen {
		if _, ok := routePolicy[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range routePolicy {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes without a policy (add them to routePolicy in web/routepolicy_test.go):\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("routePolicy lists routes that are not registered:\n  %s", strings.Join(stale, "\n  "))
	}
	// Every /admin route is admin, and only /admin routes are.
	for k, p := range routePolicy {
		if isAdminPath := strings.Contains(k, " /admin"); isAdminPath != (p == admin) {
			t.Errorf("%s: policy %s", k, p)
		}
	}
}

// adminRoutes returns the admin routes of the table with their parameters
// filled in: :id is target, :actor is actor, :fid is file (groups: :id is
// group).
func adminRoutes(target, actor, group, file int64) [][2]string {
	var out [][2]string
	for k, p := range routePolicy {
		if p != admin {
			continue
		}
		method, path, _ := strings.Cut(k, " ")
		id := target
		if strings.HasPrefix(path, "/admin/groups/") {
			id = group
		}
		path = strings.ReplaceAll(path, ":id", strconv.FormatInt(id, 10))
		path = strings.ReplaceAll(path, ":actor", strconv.FormatInt(actor, 10))
		path = strings.ReplaceAll(path, ":fid", strconv.FormatInt(file, 10))
		out = append(out, [2]string{method, path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][1]+out[i][0] < out[j][1]+out[j][0] })
	return out
}

// adminForm is a plausible form for every admin POST, so that a refusal is
// about who asks, not about what is asked.
func adminForm(actor int64) url.Values {
	return url.Values{"email": {"changed@example.com"}, "username": {"changed"}, "name": {"Changed"},
		"status": {"suspended"}, "grant": {"1:1"}, "actor_id": {strconv.FormatInt(actor, 10)},
		"confirm": {"yes"}, "parent": {"1"}, "password": {"temporary passphrase 1"}}
}

// TestAdminRoutesRefused hits every admin route, GET and POST (with a valid
// CSRF token, so the refusal is the policy's), as an anonymous visitor
// (303 to /login or 401), a plain member (403/404) and a proxied session
// into an Account Owner (403/404: X3), and checks that nothing changed.
func TestAdminRoutesRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	owner := e.addMember("owner@example.com", auth.RoleOwner)
	target := e.addMember("target@example.com", auth.RoleMaker)
	actor := e.addMember("actor@example.com", auth.RoleMaker)
	plain := e.addMember("plain@example.com", auth.RoleMaker)
	g, err := e.svc.AdminCreateGroup(ctx, cli, "Team", auth.RootGroup)
	if err != nil {
		t.Fatal(err)
	}
	file, err := e.svc.UploadFile(ctx, cli, target.ID, auth.FileAttachment, "notes.txt", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	routes := adminRoutes(target.ID, actor.ID, g.ID, file.ID)

	// The owner reaches every admin GET (the filled-in paths are valid).
	ob := e.browser()
	ob.mustLogin("owner@example.com", goodPassword)
	for _, rt := range routes {
		if rt[0] == http.MethodGet {
			expectStatus(t, ob.get(rt[1]), http.StatusOK)
		}
	}

	// A proxied session: actor logs in as the proxy target, which then
	// becomes an Account Owner (a proxy start into an admin is refused, so
	// the promotion comes afterwards; the session stays alive).
	proxyTarget := e.addMember("proxied@example.com", auth.RoleMaker)
	if _, err := e.svc.AdminGrantProxy(ctx, cli, proxyTarget.ID, actor.ID); err != nil {
		t.Fatal(err)
	}
	pb := e.browser()
	pb.mustLogin("actor@example.com", goodPassword)
	r := pb.submit("/account", "/proxy/start/"+strconv.FormatInt(proxyTarget.ID, 10), proxyReasonForm())
	expectStatus(t, r, http.StatusSeeOther)
	if err := e.svc.AdminSetRoles(ctx, cli, proxyTarget.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleOwner}}); err != nil {
		t.Fatal(err)
	}
	if r := pb.get("/account"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "proxied@example.com") {
		t.Fatalf("the proxied session is not alive as the target: %d", r.StatusCode)
	}

	mb := e.browser()
	mb.mustLogin("plain@example.com", goodPassword)
	anon := e.browser()
	legs := []struct {
		name  string
		b     *browser
		page  string // where the CSRF token comes from
		allow func(r *response) bool
	}{
		{"anonymous", anon, "/login", func(r *response) bool {
			return r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusSeeOther && r.location() == "/login"
		}},
		{"member", mb, "/account", func(r *response) bool {
			return r.StatusCode == http.StatusForbidden || r.StatusCode == http.StatusNotFound
		}},
		{"proxied", pb, "/account", func(r *response) bool {
			return r.StatusCode == http.StatusForbidden || r.StatusCode == http.StatusNotFound
		}},
	}
	for _, leg := range legs {
		for _, rt := range routes {
			var r *response
			if rt[0] == http.MethodGet {
				r = leg.b.do(httptest.NewRequest(http.MethodGet, rt[1], nil))
			} else {
				r = leg.b.submit(leg.page, rt[1], adminForm(plain.ID))
			}
			if !leg.allow(r) {
				t.Errorf("%s: %s %s → %d (location %q)", leg.name, rt[0], rt[1], r.StatusCode, r.location())
			}
			if leg.name != "anonymous" && strings.Contains(r.body, `data-testid="admin-nav"`) {
				t.Errorf("%s: %s %s shows the member editor", leg.name, rt[0], rt[1])
			}
		}
	}
	// The proxied session was refused, not ended, and nothing changed.
	if r := pb.get("/account"); r.StatusCode != http.StatusOK {
		t.Fatalf("proxied session ended: %d", r.StatusCode)
	}
	got := e.mustReload(target.ID)
	if got.Email != target.Email || got.Status != auth.StatusActive || auth.IsAdmin(got) {
		t.Fatalf("target changed: %+v", got)
	}
	if grants, _ := e.svc.AdminProxyGrants(ctx, cli, target.ID); len(grants) != 0 {
		t.Fatal("a refused request granted a proxy login")
	}
	if files, _ := e.svc.MemberFiles(ctx, cli, target.ID); len(files) != 1 {
		t.Fatalf("target's files changed: %+v", files)
	}
	groups, _ := e.svc.Groups(ctx, cli)
	if len(groups) != 2 || findGroup(t, e, g.ID).Name != "Team" {
		t.Fatalf("groups changed: %+v", groups)
	}
	if page, _ := e.svc.AdminListMembers(ctx, cli, auth.MemberFilter{Query: "changed"}); len(page.Members) != 0 {
		t.Fatal("a refused request created a member")
	}
	_ = owner
}
