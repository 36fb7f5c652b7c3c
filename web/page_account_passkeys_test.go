package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// addPasskey stores a passkey for the member directly (a real one needs an
// authenticator: cmd/gatehouse/browser_passkey_test.go).
func addPasskey(t *testing.T, e *env, memberID int64, name string) int64 {
	t.Helper()
	p := auth.Passkey{MemberID: memberID, CredentialID: []byte(name + "-id"), UserHandle: []byte("handle-" + name),
		PublicKey: []byte{1}, Name: name, CreatedAt: time.Now()}
	if err := e.store.Update(context.Background(), func(tx auth.Tx) error { return tx.CreatePasskey(context.Background(), &p) }); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func passkeyPath(id int64, action string) string {
	return "/account/passkeys/" + strconv.FormatInt(id, 10) + "/" + action
}

// TestAccountPasskeysWithoutJS: the section lists the member's own
// passkeys; rename and remove work as plain forms, with field errors,
// a confirmation box, and 404 for someone else's passkey; the add form
// says it needs JavaScript and its button is hidden.
func TestAccountPasskeysWithoutJS(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.createMember("alice@example.com", goodPassword)
	b := e.createMember("bob@example.com", goodPassword)
	mine := addPasskey(t, e, a.ID, "Laptop")
	theirs := addPasskey(t, e, b.ID, "Bobs key")
	br := e.browser()
	br.mustLogin(a.Email, goodPassword)

	r := br.get("/account")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="passkey-name">Laptop<`) || strings.Contains(r.body, "Bobs key") ||
		!strings.Contains(r.body, `data-testid="passkey-nojs"`) || !strings.Contains(r.body, `hidden data-passkey-button data-testid="passkey-add"`) {
		t.Fatalf("passkeys section:\n%s", r.body)
	}

	r = br.submit("/account", passkeyPath(mine, "rename"), url.Values{"name": {"  "}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "Give the passkey a name.") {
		t.Errorf("empty name: no field error")
	}
	expectStatus(t, br.submit("/account", passkeyPath(theirs, "rename"), url.Values{"name": {"Mine now"}}), http.StatusNotFound)
	expectStatus(t, br.submit("/account", passkeyPath(mine, "rename"), url.Values{"name": {"Phone"}}), http.StatusSeeOther)
	if r := br.get("/account"); !strings.Contains(r.body, `data-testid="passkey-name">Phone<`) {
		t.Error("renamed passkey not listed under its new name")
	}

	r = br.submit("/account", passkeyPath(mine, "delete"), nil)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "Tick the box") {
		t.Error("remove without confirmation: no reason")
	}
	expectStatus(t, br.submit("/account", passkeyPath(theirs, "delete"), url.Values{"confirm": {"yes"}}), http.StatusNotFound)
	expectStatus(t, br.submit("/account", passkeyPath(mine, "delete"), url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	if r := br.get("/account"); !strings.Contains(r.body, `data-testid="passkeys-empty"`) {
		t.Error("removed passkey still listed")
	}
	if list, _ := e.svc.Passkeys(context.Background(), b.ID); len(list) != 1 || list[0].Name != "Bobs key" {
		t.Errorf("the other member's passkey changed: %+v", list)
	}
	audit, err := e.store.ListAudit(context.Background(), auth.AuditQuery{MemberID: a.ID, Action: "passkey.", Limit: 10})
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit: %+v, %v", audit, err)
	}
	got := map[string]string{}
	for _, x := range audit {
		got[x.Action] = x.Detail
	}
	if got[auth.AuditPasskeyRenamed] != "Phone" || got[auth.AuditPasskeyRemoved] != "Phone" {
		t.Errorf("audit entries %+v", got)
	}

	// The add form posted without JavaScript leads back with a note.
	r = br.submit("/account", "/account/passkeys/finish", url.Values{"name": {"New"}})
	if r.StatusCode != http.StatusSeeOther || r.location() != "/account#passkeys" {
		t.Errorf("add without JS: %d %q", r.StatusCode, r.location())
	}
}

// TestPasskeyCeremonyEndpoints: begin answers the options as JSON and keeps
// the state in the browser session; finish without a ceremony, or twice,
// is a JSON 401; a proxy session cannot add a passkey; every POST needs
// the CSRF token.
func TestPasskeyCeremonyEndpoints(t *testing.T) {
	e := newEnv(t, envOptions{})
	anon := e.browser()
	r := anon.submit("/login", "/login/passkey/begin", nil)
	expectStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.body, `{"options":{"publicKey":{"challenge":"`) || strings.Contains(r.body, "allowCredentials") ||
		!strings.Contains(r.body, `"rpId":"`) {
		t.Errorf("login options %s", r.body)
	}
	for range 2 {
		r = anon.submit("/login", "/login/passkey/finish", url.Values{"response": {`{"id":"x"}`}}, "Accept", "application/json")
		expectStatus(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.body, `"error":"`) {
			t.Errorf("finish refusal %s", r.body)
		}
	}
	expectStatus(t, anon.postRaw("/login/passkey/begin", url.Values{}), http.StatusForbidden)
	expectStatus(t, anon.submit("/login", "/login/passkey/second/begin", nil), http.StatusUnauthorized)

	f := newProxyFixture(t)
	own := f.e.browser()
	own.mustLogin(f.a.Email, goodPassword)
	r = own.submit("/account", "/account/passkeys/begin", nil)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `"residentKey":"required"`) || !strings.Contains(r.body, `"userVerification":"required"`) {
		t.Errorf("creation options %s", r.body)
	}
	proxied := f.actorBrowser(t)
	if r := start(proxied, f.b.ID); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("proxy start: %d", r.StatusCode)
	}
	expectStatus(t, proxied.submit("/account", "/account/passkeys/begin", nil), http.StatusForbidden)
	if r := proxied.get("/account"); !strings.Contains(r.body, `data-testid="passkeys-proxied"`) || strings.Contains(r.body, `data-testid="passkey-add-form"`) {
		t.Error("proxy session: the passkeys section offers changes")
	}
}
