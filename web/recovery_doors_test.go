package web_test

import (
	"fmt"
	"net/url"
	"testing"

	"gatehouse/internal/auth"
)

// otpDoor is a door that takes a one-time password of a member with
// two-factor on; send makes one attempt with code.
type otpDoor struct {
	name     string
	disables bool // a right code turns two-factor off
	ok       func(a answer) bool
	send     func(x *mx, c *client, who, code string) answer
}

var otpDoors = []otpDoor{
	{name: "page login code step", ok: pageLoginOK, send: func(x *mx, c *client, who, code string) answer {
		r := x.otpBrowser(c, who).submit("/login/otp", "/login/otp", url.Values{"otp": {code}})
		x.usedCode(c, who, r.StatusCode)
		return answer{r.StatusCode, r.Header, r.body}
	}},
	{name: "directus and openapi login", send: func(x *mx, c *client, who, code string) answer {
		return x.api(c, "POST", "/auth/login", map[string]any{"email": who, "password": goodPassword, "otp": code})
	}},
	{name: "GraphQL auth_login", ok: gqlOK, send: func(x *mx, c *client, who, code string) answer {
		return gql(x, c, fmt.Sprintf(`mutation { auth_login(email: %q, password: %q, otp: %q) { access_token } }`, who, goodPassword, code))
	}},
	{name: "directus tfa disable", disables: true, send: func(x *mx, c *client, who, code string) answer {
		return x.api(c, "POST", "/users/me/tfa/disable", map[string]any{"otp": code}, bearer(x, c, who)...)
	}},
	{name: "GraphQL users_me_tfa_disable", disables: true, ok: gqlOK, send: func(x *mx, c *client, who, code string) answer {
		return gql(x, c, fmt.Sprintf(`mutation { users_me_tfa_disable(otp: %q) }`, code), bearer(x, c, who)...)
	}},
}

// enableWithCodes turns two-factor on for who and returns its recovery codes.
func (x *mx) enableWithCodes(who string) []string {
	x.t.Helper()
	_, tok, err := x.e.Svc.LoginTokens(x.ctx, auth.LoginInput{Identifier: who, Password: goodPassword, Via: auth.ViaOpenAPI})
	if err != nil {
		x.t.Fatal(err)
	}
	sec, err := x.e.Svc.GenerateTOTP(x.ctx, tok.Session.ID, goodPassword, auth.ClientMeta{})
	if err != nil {
		x.t.Fatal(err)
	}
	codes, err := x.e.Svc.EnableTOTPWithCodes(x.ctx, tok.Session.ID, sec.Secret, totp(sec.Secret, x.e.Clock.Now()), auth.ClientMeta{})
	if err != nil {
		x.t.Fatal(err)
	}
	x.secrets[who] = sec.Secret
	x.steps[who] = x.e.Clock.Now().Unix() / 30
	return codes
}

// TestRecoveryCodeAtEveryOTPDoor: every door that takes a one-time
// password takes a recovery code in its place, once; a used recovery code
// gets the very answer a wrong code gets.
func TestRecoveryCodeAtEveryOTPDoor(t *testing.T) {
	x := newMX(t, 0)
	for i, d := range otpDoors {
		t.Run(d.name, func(t *testing.T) {
			x.t, x.w.t = t, t
			who := fmt.Sprintf("recovery%d@example.com", i)
			x.members[who] = x.e.CreateMember(who, goodPassword)
			codes := x.enableWithCodes(who)
			c := x.client(fmt.Sprintf("198.51.100.%d", 10+i))
			if d.disables {
				x.token(c, who) // the session first (it uses a TOTP code)
			}
			// A code used elsewhere first.
			if _, _, err := x.e.Svc.LoginTokens(x.ctx, auth.LoginInput{Identifier: who, Password: goodPassword, OTP: codes[1], Via: auth.ViaOpenAPI}); err != nil {
				t.Fatalf("recovery code at the service: %v", err)
			}
			ok := d.ok
			if ok == nil {
				ok = answer.success
			}
			wrong := d.send(x, c, who, "zzzzz-zzzzz")
			used := d.send(x, c, who, codes[1])
			if ok(wrong) || ok(used) {
				t.Fatalf("refusals succeeded: wrong %v, used %v", wrong, used)
			}
			if normalize(used, who) != normalize(wrong, who) {
				t.Errorf("a used recovery code answers differently from a wrong code:\n%s\n---\n%s", normalize(used, who), normalize(wrong, who))
			}
			if a := d.send(x, c, who, codes[0]); !ok(a) {
				t.Fatalf("recovery code refused: %v", a)
			}
			st, err := x.e.Svc.TwoFactor(x.ctx, x.members[who].ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.disables {
				if st.Enabled || st.RecoveryCodes != 0 {
					t.Errorf("after disabling with a recovery code: %+v", st)
				}
				return
			}
			if st.RecoveryCodes != 8 {
				t.Errorf("codes left %d, want 8", st.RecoveryCodes)
			}
			delete(x.otp, c.ip+"|"+who) // the page's browser is signed in now: a fresh one
			again := d.send(x, c, who, codes[0])
			if ok(again) || normalize(again, who) != normalize(wrong, who) {
				t.Errorf("the same recovery code twice: %v", again)
			}
		})
	}
}
