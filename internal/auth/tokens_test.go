package auth_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

const pw = "correct horse battery"

var ctx = context.Background()

func login(t *testing.T, e *authtest.Env, via, email string) auth.Tokens {
	t.Helper()
	_, tok, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: email, Password: pw, Via: via})
	if err != nil {
		t.Fatalf("login via %s: %v", via, err)
	}
	return tok
}

func alive(e *authtest.Env, access string) bool {
	_, _, err := e.Svc.AuthenticateToken(ctx, access)
	return err == nil
}

func code(err error) string { return auth.ErrorCode(err) }

func TestTokenShapesPerDialect(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", pw)
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tc := range []struct {
		via         string
		refresh, id bool
		shape       *regexp.Regexp
		access      time.Duration
	}{
		{auth.ViaKuroco, true, false, hex64, time.Hour},
		{auth.ViaWME, true, true, nil, 24 * time.Hour},
		{auth.ViaDirectus, true, false, nil, 15 * time.Minute},
		{auth.ViaOpenAPI, true, false, nil, 24 * time.Hour},
		{auth.ViaKotive, false, false, hex32, 30 * 24 * time.Hour},
	} {
		tok := login(t, e, tc.via, "Ann@Example.com")
		if (tok.Refresh != "") != tc.refresh || (tok.IDToken != "") != tc.id {
			t.Errorf("%s: refresh %q id %q", tc.via, tok.Refresh, tok.IDToken)
		}
		if tc.shape != nil && !tc.shape.MatchString(tok.Access) {
			t.Errorf("%s: access token %q has the wrong shape", tc.via, tok.Access)
		}
		if d := time.Until(tok.AccessExpires); d > tc.access+time.Minute || d < tc.access-time.Minute {
			t.Errorf("%s: access lifetime %v, want %v", tc.via, d, tc.access)
		}
		if !alive(e, tok.Access) {
			t.Errorf("%s: access token refused", tc.via)
		}
		if tok.IDToken != "" {
			claims, err := e.Svc.VerifyIDToken(ctx, tok.IDToken)
			if err != nil || claims.Email != "Ann@Example.com" && claims.Email != "ann@example.com" {
				t.Errorf("%s: id_token %v %+v", tc.via, err, claims)
			}
		}
	}
}

// TestTokenTypesAreNotInterchangeable covers T2.
func TestTokenTypesAreNotInterchangeable(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "bo@example.com", pw)
	wme := login(t, e, auth.ViaWME, "bo@example.com")
	_, grant, err := e.Svc.LoginChallenge(ctx, auth.LoginInput{Identifier: "bo@example.com", Password: pw, Via: auth.ViaKuroco})
	if err != nil {
		t.Fatal(err)
	}
	anon, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := e.Svc.FileAccessToken(ctx, wme.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"refresh": wme.Refresh, "id_token": wme.IDToken, "grant": grant.Token, "anonymous": anon.Access, "file": file.Token, "hash of the access token": auth.HashToken(wme.Access)} {
		if _, _, err := e.Svc.AuthenticateToken(ctx, tok); code(err) != auth.EUNAUTHORIZED {
			t.Errorf("%s accepted as an access token: %v", name, err)
		}
	}
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, wme.Access); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("access token accepted as a refresh token: %v", err)
	}
	if !alive(e, wme.Access) {
		t.Fatal("the refused attempts hurt the real token")
	}
}

// TestRefreshRotationReuse covers T3 and T4.
func TestRefreshRotationReuse(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "cy@example.com", pw)
	t0 := login(t, e, auth.ViaDirectus, "cy@example.com")
	chain := []auth.Tokens{t0}
	for i := 0; i < 3; i++ {
		_, next, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, chain[len(chain)-1].Refresh)
		if err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		if next.Refresh == "" || next.Refresh == chain[len(chain)-1].Refresh {
			t.Fatal("rotation returned no new refresh token")
		}
		chain = append(chain, next)
	}
	// T4: the immediate parent within the grace window gets the current
	// token, no fork.
	_, again, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, chain[2].Refresh)
	if err != nil || again.Refresh != chain[3].Refresh {
		t.Fatalf("grace replay: %v, got a different token: %v", err, again.Refresh != chain[3].Refresh)
	}
	// T3: an older token after the grace window revokes the family.
	e.Clock.Advance(auth.RefreshGrace + time.Second)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, chain[1].Refresh); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("replayed R1: %v", err)
	}
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, chain[3].Refresh); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("R3 still works after reuse detection: %v", err)
	}
	for i, tok := range chain {
		if alive(e, tok.Access) {
			t.Fatalf("access token %d of the revoked family still works", i)
		}
	}
}

// TestConcurrentRefresh: 20 concurrent refreshes with one token all succeed
// with the same new refresh token (T4), with no internal error.
func TestConcurrentRefresh(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "di@example.com", pw)
	t0 := login(t, e, auth.ViaOpenAPI, "di@example.com")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, tok, err := e.Svc.RefreshTokens(ctx, auth.ViaOpenAPI, t0.Refresh)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				got["error:"+code(err)]++
				return
			}
			got[tok.Refresh]++
		}()
	}
	wg.Wait()
	if len(got) != 1 {
		t.Fatalf("concurrent refreshes forked or failed: %v", got)
	}
	for k := range got {
		if strings.HasPrefix(k, "error:") {
			t.Fatalf("concurrent refreshes failed: %v", got)
		}
	}
}

// TestRefreshFamilyLifetime covers T5: an absolute family lifetime of 30
// days despite rotation, and death after a refresh token's idle lifetime.
func TestRefreshFamilyLifetime(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ed@example.com", pw)
	tok := login(t, e, auth.ViaDirectus, "ed@example.com")
	for day := 6; day <= 36; day += 6 {
		e.Clock.Advance(6 * 24 * time.Hour)
		_, next, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, tok.Refresh)
		if day < 30 && err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		if day >= 30 {
			if err == nil {
				t.Fatalf("day %d: the family outlived 30 days", day)
			}
			break
		}
		tok = next
	}
	idle := login(t, e, auth.ViaDirectus, "ed@example.com")
	e.Clock.Advance(7*24*time.Hour + time.Second)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, idle.Refresh); err == nil {
		t.Fatal("a refresh token idle for 7 days still works")
	}
}

// TestRevoke covers T6: revoking a valid refresh token kills its family;
// garbage and revoked tokens are accepted silently.
func TestRevoke(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "fi@example.com", pw)
	e.Member(t, "gu@example.com", pw)
	mine := login(t, e, auth.ViaWME, "fi@example.com")
	other := login(t, e, auth.ViaWME, "gu@example.com")
	for _, bogus := range []string{"", "garbage", strings.Repeat("x", 5000), auth.HashToken(mine.Refresh)} {
		if err := e.Svc.RevokeRefreshToken(ctx, bogus); err != nil {
			t.Fatalf("revoking %q: %v", bogus, err)
		}
	}
	if !alive(e, mine.Access) || !alive(e, other.Access) {
		t.Fatal("a bogus revoke changed state")
	}
	if err := e.Svc.RevokeRefreshToken(ctx, mine.Refresh); err != nil {
		t.Fatal(err)
	}
	if alive(e, mine.Access) {
		t.Fatal("access token survived the revoke of its refresh token")
	}
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaWME, mine.Refresh); err == nil {
		t.Fatal("revoked refresh token still refreshes")
	}
	if err := e.Svc.RevokeRefreshToken(ctx, mine.Refresh); err != nil {
		t.Fatal("revoking twice is an error")
	}
	if !alive(e, other.Access) {
		t.Fatal("another member's session ended")
	}
}

// TestTokensAtRest covers T7: the database holds no usable token.
func TestTokensAtRest(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "hu@example.com", pw)
	var secrets []string
	for _, via := range []string{auth.ViaKuroco, auth.ViaWME, auth.ViaDirectus, auth.ViaOpenAPI, auth.ViaKotive} {
		tok := login(t, e, via, "hu@example.com")
		secrets = append(secrets, tok.Access, tok.Refresh)
	}
	_, rotated, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, secrets[5])
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, rotated.Refresh)
	if err := e.Svc.RequestPasswordReset(ctx, "hu@example.com"); err != nil {
		t.Fatal(err)
	}
	link := e.Mails(t)[0].Data["link"]
	secrets = append(secrets, link[strings.Index(link, "token=")+len("token="):])
	e.Store.Close()
	var db []byte
	for _, suffix := range []string{"", "-wal"} {
		b, _ := os.ReadFile(e.DBPath + suffix)
		db = append(db, b...)
	}
	for _, s := range secrets {
		if s != "" && bytes.Contains(db, []byte(s)) {
			t.Fatalf("the database file contains a usable token %q", s)
		}
	}
}

// TestWMEMintLimit: one refresh token mints at most MaxMints access tokens.
func TestWMEMintLimit(t *testing.T) {
	p := auth.DefaultPolicies()[auth.ViaWME]
	p.MaxMints = 3
	e := authtest.New(t, auth.Config{Policies: map[string]auth.TokenPolicy{auth.ViaWME: p}})
	e.Member(t, "io@example.com", pw)
	tok := login(t, e, auth.ViaWME, "io@example.com")
	for i := 0; i < 3; i++ {
		_, next, err := e.Svc.RefreshTokens(ctx, auth.ViaWME, tok.Refresh)
		if err != nil || next.Refresh != "" || next.IDToken == "" {
			t.Fatalf("refresh %d: %v (refresh %q, id_token set %v)", i+1, err, next.Refresh, next.IDToken != "")
		}
	}
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaWME, tok.Refresh); code(err) != auth.EFORBIDDEN {
		t.Fatalf("4th refresh: %v", err)
	}
}

func TestKurocoGrant(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	m := e.Member(t, "jo@example.com", pw)
	got, g, err := e.Svc.LoginChallenge(ctx, auth.LoginInput{Identifier: "JO@example.com", Password: pw, Via: auth.ViaKuroco})
	if err != nil || got.ID != m.ID || len(g.Token) != 64 {
		t.Fatalf("login challenge: %v %+v", err, g)
	}
	_, tok, err := e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{})
	if err != nil || tok.Access == "" || tok.Refresh == "" {
		t.Fatalf("exchange: %v", err)
	}
	if _, _, err := e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{}); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("second exchange: %v", err)
	}
	_, late, _ := e.Svc.LoginChallenge(ctx, auth.LoginInput{Identifier: "jo@example.com", Password: pw, Via: auth.ViaKuroco})
	e.Clock.Advance(301 * time.Second)
	if _, _, err := e.Svc.ExchangeGrant(ctx, late.Token, auth.ClientMeta{}); code(err) != auth.EEXPIRED {
		t.Fatalf("expired grant: %v", err)
	}
	// kuroco refresh does not rotate.
	_, r, err := e.Svc.RefreshTokens(ctx, auth.ViaKuroco, tok.Refresh)
	if err != nil || r.Refresh != "" || !alive(e, r.Access) {
		t.Fatalf("kuroco refresh: %v %+v", err, r)
	}
}

// TestRevocationEverywhere: password change (sign out others), reset and
// suspension end token sessions on their next use.
func TestRevocationEverywhere(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	_ = e.Member(t, "ki@example.com", pw)
	keep := login(t, e, auth.ViaOpenAPI, "ki@example.com")
	other := login(t, e, auth.ViaKotive, "ki@example.com")
	if err := e.Svc.ChangePassword(ctx, auth.ChangePasswordInput{SessionID: keep.Session.ID, Current: pw, New: "second fine passphrase", SignOutOthers: true}); err != nil {
		t.Fatal(err)
	}
	if alive(e, other.Access) || !alive(e, keep.Access) {
		t.Fatal("change password with sign-out-others: wrong sessions ended")
	}
	if err := e.Svc.RequestPasswordReset(ctx, "ki@example.com"); err != nil {
		t.Fatal(err)
	}
	link := e.Mails(t)[0].Data["link"]
	if err := e.Svc.ResetPassword(ctx, link[strings.Index(link, "token=")+6:], "third fine passphrase", auth.ClientMeta{}); err != nil {
		t.Fatal(err)
	}
	if alive(e, keep.Access) {
		t.Fatal("a reset left a token alive")
	}
}

// TestResetCode covers R4 for wme's confirmation code.
func TestResetCode(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "lu@example.com", pw)
	e.Member(t, "ma@example.com", pw)
	request := func(who string) string {
		t.Helper()
		if err := e.Svc.RequestReset(ctx, auth.ResetRequest{Identifier: who, Mode: auth.ResetCode}); err != nil {
			t.Fatal(err)
		}
		c := e.Mails(t)[0].Data["code"]
		if len(c) != 8 {
			t.Fatalf("code %q is not 8 characters", c)
		}
		return c
	}
	c := request("lu@example.com")
	if err := e.Svc.ResetWithCode(ctx, "ma@example.com", c, "new fine passphrase", auth.ClientMeta{}); err == nil {
		t.Fatal("a code worked for another member")
	}
	e.Clock.Advance(10*time.Minute + time.Second)
	if err := e.Svc.ResetWithCode(ctx, "lu@example.com", c, "new fine passphrase", auth.ClientMeta{}); err == nil {
		t.Fatal("a code older than 10 minutes worked")
	}
	c = request("lu@example.com")
	for i := 0; i < 5; i++ {
		if err := e.Svc.ResetWithCode(ctx, "lu@example.com", "WRONG123", "new fine passphrase", auth.ClientMeta{}); code(err) != auth.EUNAUTHORIZED {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	if err := e.Svc.ResetWithCode(ctx, "lu@example.com", c, "new fine passphrase", auth.ClientMeta{}); err == nil {
		t.Fatal("the right code worked after 5 wrong ones")
	}
	c = request("lu@example.com")
	if err := e.Svc.ResetWithCode(ctx, "LU@example.com", c, "new fine passphrase", auth.ClientMeta{}); err != nil {
		t.Fatalf("a fresh code: %v", err)
	}
	if err := e.Svc.ResetWithCode(ctx, "lu@example.com", c, "another fine passphrase", auth.ClientMeta{}); err == nil {
		t.Fatal("a code worked twice")
	}
}

func TestInvitation(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	if err := e.Svc.InviteOrReset(ctx, "New.Person@example.com"); err != nil {
		t.Fatal(err)
	}
	mail := e.Mails(t)[0]
	if mail.Kind != auth.MailInvite || !strings.HasPrefix(mail.Data["link"], "https://auth.example.test/register?invite=") {
		t.Fatalf("invitation mail: %+v", mail)
	}
	token := mail.Data["link"][strings.Index(mail.Data["link"], "invite=")+7:]
	email, err := e.Svc.CheckInvite(ctx, token)
	if err != nil || email != "New.Person@example.com" {
		t.Fatalf("check invite: %q %v", email, err)
	}
	_, _, err = e.Svc.Register(ctx, auth.RegisterInput{Name: "New", Email: "someone.else@example.com", Password: pw, Invite: token})
	if auth.ErrorFields(err)["email"] == "" {
		t.Fatalf("registering another address with the invitation: %v", err)
	}
	m, _, err := e.Svc.Register(ctx, auth.RegisterInput{Name: "New", Email: "new.person@example.com", Password: pw, Invite: token})
	if err != nil || !m.EmailVerified {
		t.Fatalf("register with invitation: %v verified=%v", err, m.EmailVerified)
	}
	if _, err := e.Svc.CheckInvite(ctx, token); err == nil {
		t.Fatal("invitation usable twice")
	}
	// A known address gets a reset link instead, and the same nil answer.
	if err := e.Svc.InviteOrReset(ctx, "new.person@example.com"); err != nil {
		t.Fatal(err)
	}
	if k := e.Mails(t)[0].Kind; k != auth.MailReset {
		t.Fatalf("known address got %q", k)
	}
}
