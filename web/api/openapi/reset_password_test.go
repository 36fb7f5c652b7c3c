package openapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestGoldenPasswordReset(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	golden(t, "forgot_password_204", e.Do("POST", "/auth/forgot-password", map[string]any{"email": annEmail}))
	golden(t, "forgot_password_204_unknown", e.Do("POST", "/auth/forgot-password", map[string]any{"email": "nobody@example.com"}))
	golden(t, "forgot_password_400_missing", e.Do("POST", "/auth/forgot-password", "{}"))
	tok := mailedToken(t, e, 1, annEmail)

	golden(t, "reset_password_400_weak", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": "short"}))
	golden(t, "reset_password_400_missing_password", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), "{}"))
	golden(t, "reset_password_400_missing_token", e.Do("POST", "/auth/reset-password", map[string]any{"password": newPass}))
	golden(t, "reset_password_401_bad_token", e.Do("POST", "/auth/reset-password?token=nonsense", map[string]any{"password": newPass}))
	golden(t, "reset_password_200", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass}))
	golden(t, "reset_password_401_used", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass + "2"}))

	// An expired link is 401 too.
	if err := e.Svc.RequestPasswordReset(context.Background(), annEmail); err != nil {
		t.Fatal(err)
	}
	e.SMTP.WaitFor(t, 3, 10*time.Second) // reset, "password changed", reset
	tok2 := lastResetToken(t, e, annEmail)
	e.Clock.Advance(61 * time.Minute)
	golden(t, "reset_password_401_expired", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok2), map[string]any{"password": newPass + "2"}))
}

// TestPageResetTokenWorksHere: a reset token mailed by the pages'
// forgot-password (RequestPasswordReset) works at /auth/reset-password.
func TestPageResetTokenWorksHere(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	if err := e.Svc.RequestPasswordReset(context.Background(), annEmail); err != nil {
		t.Fatal(err)
	}
	tok := mailedToken(t, e, 1, annEmail)
	res := e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("reset-password with a page token: %d %s", res.StatusCode, res.Body)
	}
}
