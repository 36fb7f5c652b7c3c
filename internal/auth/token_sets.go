package auth

import (
	"context"
	"time"
)

// ViaDirectusSession names the token policy of directus "session" mode
// (Config.Policies key; the session itself is opened via ViaDirectus): one
// access token kept in the directus_session_token cookie, no refresh token,
// and a lifetime of SESSION_COOKIE_TTL (1 day) instead of ACCESS_TOKEN_TTL.
const ViaDirectusSession = "directus_session"

// defaultSessionCookieTTL is Directus's SESSION_COOKIE_TTL default.
const defaultSessionCookieTTL = 24 * time.Hour

// TokenRequest asks a login for one set of tokens under the policy named by
// Policy (a dialect name or ViaDirectusSession). NoRefresh leaves the
// refresh token out: a client that will never see it gets none minted.
type TokenRequest struct {
	Policy    string
	NoRefresh bool
}

// policyFor returns the policy of a token request key; ViaDirectusSession
// defaults to an access-only token of defaultSessionCookieTTL.
func (s *Service) policyFor(key string) TokenPolicy {
	if p, ok := s.cfg.Policies[key]; ok {
		return p
	}
	if key == ViaDirectusSession {
		return TokenPolicy{Access: defaultSessionCookieTTL, Session: s.tokenPolicy(ViaDirectus).Session}
	}
	return s.tokenPolicy(key)
}

// credentialVia is the dialect a token request's credentials belong to.
func credentialVia(key string) string {
	if key == ViaDirectusSession {
		return ViaDirectus
	}
	return key
}

// LoginTokenSet checks the password like LoginTokens and opens one session
// (via in.Via), in which it issues one set of tokens per request, each with
// the lifetimes of its own policy. A route that two dialects share (POST
// /auth/login answers directus and openapi in one body) asks for both, so
// each dialect's tokens live as long as that dialect's tokens live whatever
// route issued them. The sets come back in the order asked.
func (s *Service) LoginTokenSet(ctx context.Context, in LoginInput, reqs ...TokenRequest) (Member, []Tokens, error) {
	out := make([]Tokens, len(reqs))
	m, err := s.passwordLogin(ctx, in, func(tx Tx, sess Session) error {
		for i, r := range reqs {
			t, err := s.issueSet(ctx, tx, sess, r)
			if err != nil {
				return err
			}
			out[i] = t
		}
		return nil
	})
	if err != nil {
		return Member{}, nil, err
	}
	return m, out, nil
}

// issueSet mints one token set for sess under r's policy.
func (s *Service) issueSet(ctx context.Context, tx Tx, sess Session, r TokenRequest) (Tokens, error) {
	p := s.policyFor(r.Policy)
	via := credentialVia(r.Policy)
	t := Tokens{Session: sess}
	var err error
	parent := ""
	if p.Refresh > 0 && !r.NoRefresh {
		if t.Refresh, t.RefreshExpires, err = s.mint(ctx, tx, CredRefresh, via, sess, p.Refresh, ""); err != nil {
			return Tokens{}, err
		}
		parent = HashToken(t.Refresh)
	}
	t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, p.Access, parent)
	return t, err
}

// RenewAccessToken exchanges a live access token for a new one under the
// policy named by key, in the same session, and revokes the old one. It is
// directus session mode's refresh: the session cookie holds only an access
// token. Unknown, revoked and expired tokens, and tokens of a suspended
// member, are EUNAUTHORIZED or EEXPIRED like any refused token.
func (s *Service) RenewAccessToken(ctx context.Context, key, access string) (Member, Tokens, error) {
	if access == "" || len(access) > maxTokenLen {
		return Member{}, Tokens{}, errInvalidToken
	}
	hash := HashToken(access)
	var (
		m Member
		t Tokens
	)
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		_, sess, err := s.liveCredential(ctx, tx, hash, CredAccess)
		if err != nil {
			return err
		}
		if m, err = s.activeMember(ctx, tx, sess.MemberID); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.TouchSession(ctx, sess.ID, now); err != nil {
			return err
		}
		if err := tx.RevokeCredential(ctx, hash, now); err != nil {
			return err
		}
		t, err = s.issueSet(ctx, tx, sess, TokenRequest{Policy: key, NoRefresh: true})
		return err
	})
	if err != nil {
		return Member{}, Tokens{}, err
	}
	return m, t, nil
}

// AccessTTL is the configured access token lifetime of a token request key
// (what Directus reports as "expires").
func (s *Service) AccessTTL(key string) time.Duration { return s.policyFor(key).Access }
