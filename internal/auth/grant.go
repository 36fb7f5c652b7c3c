package auth

import "context"

// LoginChallenge is kuroco's first login step: it checks the password, opens
// a session and returns a single-use grant token (GrantTTL) for
// ExchangeGrant. Members with MFA on must use a dialect that carries a
// one-time password.
func (s *Service) LoginChallenge(ctx context.Context, in LoginInput) (Member, Grant, error) {
	var g Grant
	m, err := s.passwordLogin(ctx, in, func(tx Tx, sess Session) (err error) {
		g.Token, g.ExpiresAt, err = s.mint(ctx, tx, CredGrant, in.Via, sess, s.cfg.GrantTTL, "")
		return err
	})
	if err != nil {
		return Member{}, Grant{}, err
	}
	return m, g, nil
}

// ExchangeGrant turns a grant token into access and refresh tokens, once.
func (s *Service) ExchangeGrant(ctx context.Context, grant string, meta ClientMeta) (Member, Tokens, error) {
	if grant == "" || len(grant) > maxTokenLen {
		return Member{}, Tokens{}, errInvalidToken
	}
	var (
		m Member
		t Tokens
	)
	err := s.gateToken(ctx, meta, func(ctx context.Context) error { return s.exchangeGrant(ctx, grant, &m, &t) })
	if err != nil {
		return Member{}, Tokens{}, err
	}
	// A grant minted for an id_token dialect gets its id_token too (with
	// the act claim of the proxy actor, jwt.go).
	t, err = s.withIDToken(ctx, m, t.Session.Via, t)
	return m, t, err
}

// exchangeGrant is ExchangeGrant's transaction.
func (s *Service) exchangeGrant(ctx context.Context, grant string, m *Member, t *Tokens) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		c, sess, err := s.liveCredential(ctx, tx, HashToken(grant), CredGrant)
		if err != nil {
			return err
		}
		if *m, err = s.activeMember(ctx, tx, sess.MemberID); err != nil {
			return err
		}
		if err := tx.UseCredential(ctx, c.Hash, s.clock()); err != nil {
			return refusal(err, errInvalidToken)
		}
		*t, err = s.issue(ctx, tx, sess, c.Via)
		return err
	})
}

// FileAccessToken issues a short-lived token that opens the session member's
// files and nothing else.
func (s *Service) FileAccessToken(ctx context.Context, sessionID int64) (Grant, error) {
	var g Grant
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err := tx.SessionByID(ctx, sessionID)
		if err != nil {
			return refusal(err, errInvalidToken)
		}
		g.Token, g.ExpiresAt, err = s.mint(ctx, tx, CredFile, ViaKuroco, sess, s.cfg.FileTokenTTL, "")
		return err
	})
	return g, err
}
