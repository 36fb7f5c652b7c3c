package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

var (
	clientIDRE     = regexp.MustCompile(`data-testid="client-id-value">([^<]+)<`)
	clientSecretRE = regexp.MustCompile(`data-testid="client-secret-value">([^<]+)<`)
)

// TestAdminClientsPage: an Account Owner adds an app on /admin/clients and
// sees its secret once (stored hashed: it authenticates, and the list
// never shows it); bad redirect URIs re-render the form with the field
// named; a public app gets no secret; a User Administrator is refused;
// deleting ends the app.
func TestAdminClientsPage(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	ctx := context.Background()
	r := b.submit("/admin/clients", "/admin/clients", url.Values{"name": {"Wiki"}, "redirect-uri": {"http://wiki.example/cb"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "redirect URI must be an absolute https URL") || !strings.Contains(r.body, `value="Wiki"`) {
		t.Fatalf("bad redirect URI: %.3000s", r.body)
	}
	r = b.submit("/admin/clients", "/admin/clients", url.Values{"name": {"Wiki"}, "redirect-uri": {"https://wiki.example/cb\r\nhttp://127.0.0.1:8080/cb"}, "first_party": {"1"}})
	expectStatus(t, r, http.StatusCreated)
	id, secret := clientIDRE.FindStringSubmatch(r.body), clientSecretRE.FindStringSubmatch(r.body)
	if id == nil || secret == nil {
		t.Fatalf("no client_id or secret on the page: %.3000s", r.body)
	}
	clientID, clientSecret := html.UnescapeString(id[1]), html.UnescapeString(secret[1])
	c, err := e.svc.AuthenticateClient(ctx, clientID, clientSecret, auth.ClientMeta{IP: "192.0.2.1"})
	if err != nil || !c.FirstParty || c.Public || len(c.RedirectURIs) != 2 {
		t.Fatalf("created client: %+v, %v", c, err)
	}
	if p := b.get("/admin/clients"); strings.Contains(p.body, clientSecret) || !strings.Contains(p.body, clientID) {
		t.Errorf("the list shows the secret or lacks the client")
	}
	r = b.submit("/admin/clients", "/admin/clients", url.Values{"name": {"SPA"}, "redirect-uri": {"http://localhost:3000/cb"}, "public": {"1"}})
	expectStatus(t, r, http.StatusCreated)
	if clientSecretRE.MatchString(r.body) {
		t.Error("a public client got a secret")
	}

	e.addMember("useradmin@example.com", auth.RoleAdmin)
	ub := e.browser()
	ub.mustLogin("useradmin@example.com", goodPassword)
	expectStatus(t, ub.get("/admin/clients"), http.StatusForbidden)

	r = b.submit("/admin/clients", "/admin/clients/"+url.PathEscape(clientID)+"/delete", url.Values{})
	expectStatus(t, r, http.StatusSeeOther)
	if _, err := e.svc.AuthenticateClient(ctx, clientID, clientSecret, auth.ClientMeta{IP: "192.0.2.1"}); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("deleted client authenticates: %v", err)
	}
}
