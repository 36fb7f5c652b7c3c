package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"time"
)

// Dialect names, used as Session.Via and to pick a TokenPolicy.
const (
	ViaKuroco   = "kuroco"
	ViaWME      = "wme"
	ViaKotive   = "kotive"
	ViaDirectus = "directus"
	ViaOpenAPI  = "openapi"
)

// RefreshGrace is how long a rotated refresh token may be replayed (a
// concurrent retry) and still get the current token instead of revoking the
// family (docs/security.md T4; Supabase's default).
const RefreshGrace = 10 * time.Second

// maxTokenLen bounds any presented token before it is hashed or looked up.
const maxTokenLen = 512

// DefaultPolicies are the lifetimes of docs/contract.md §1. Rotating families
// (directus, openapi) end 30 days after login however often they rotate
// (docs/security.md T5); a refresh token unused for its lifetime dies.
func DefaultPolicies() map[string]TokenPolicy {
	const day = 24 * time.Hour
	return map[string]TokenPolicy{
		ViaKuroco:   {Access: time.Hour, Refresh: 7 * day, Session: 7 * day, Hex: true},
		ViaWME:      {Access: day, Refresh: 90 * day, Session: 90 * day, MaxMints: 90, IDToken: true},
		ViaDirectus: {Access: 15 * time.Minute, Refresh: 7 * day, Session: 30 * day, Rotate: true},
		ViaOpenAPI:  {Access: day, Refresh: 12 * day, Session: 30 * day, Rotate: true},
		// kotive's authToken lives until logout or 12 h without use.
		ViaKotive: {Access: 30 * day, Session: 30 * day, Idle: 12 * time.Hour, Hex: true, HexBytes: 16},
	}
}

var (
	errInvalidToken = &Error{Code: EUNAUTHORIZED, Message: "Invalid token."}
	errTokenExpired = &Error{Code: EEXPIRED, Message: "Token expired."}
	errMintLimit    = &Error{Code: EFORBIDDEN, Message: "This refresh token has minted its maximum number of access tokens; log in again."}
	errOTPRequired  = &Error{Code: EOTP, Message: "This account uses two-factor authentication; a one-time password is required."}
)

// tokenPolicy returns the token policy of a dialect (openapi's for unknown ones).
func (s *Service) tokenPolicy(via string) TokenPolicy {
	if p, ok := s.cfg.Policies[via]; ok {
		return p
	}
	return s.cfg.Policies[ViaOpenAPI]
}

// secret returns a new random token in the policy's format.
func (s *Service) secret(p TokenPolicy) (string, error) {
	if !p.Hex {
		return newSecret(s.rand, 32)
	}
	n := p.HexBytes
	if n == 0 {
		n = 32
	}
	b := make([]byte, n)
	r := s.rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// mint stores a new credential of kind for the session and returns its
// secret and expiry (never past the session's end).
func (s *Service) mint(ctx context.Context, tx Tx, kind, via string, sess Session, ttl time.Duration, parent string) (string, time.Time, error) {
	p := s.tokenPolicy(via)
	secret, err := s.secret(p)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clock()
	exp := now.Add(ttl)
	if sess.ID != 0 {
		exp = earliest(exp, sess.ExpiresAt)
	}
	err = tx.CreateCredential(ctx, Credential{Hash: HashToken(secret), Kind: kind, SessionID: sess.ID, Via: via, ParentHash: parent, CreatedAt: now, ExpiresAt: exp})
	return secret, exp, err
}

// issue mints an access token, and a refresh token when the policy has one,
// for a session inside tx.
func (s *Service) issue(ctx context.Context, tx Tx, sess Session, via string) (Tokens, error) {
	p := s.tokenPolicy(via)
	t := Tokens{Session: sess}
	var err error
	if p.Refresh > 0 {
		if t.Refresh, t.RefreshExpires, err = s.mint(ctx, tx, CredRefresh, via, sess, p.Refresh, ""); err != nil {
			return Tokens{}, err
		}
	}
	parent := ""
	if t.Refresh != "" {
		parent = HashToken(t.Refresh)
	}
	t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, p.Access, parent)
	return t, err
}

// withIDToken adds an id_token when the policy asks for one. It runs after
// the transaction: signing may need to create the signing key, which is its
// own write.
func (s *Service) withIDToken(ctx context.Context, m Member, via string, t Tokens) (Tokens, error) {
	if !s.tokenPolicy(via).IDToken {
		return t, nil
	}
	var err error
	t.IDToken, err = s.signIDToken(ctx, m, t.Session, t.AccessExpires.Sub(s.clock()))
	return t, err
}

// LoginTokens checks the password (and the one-time password when MFA is on)
// and opens a session with tokens issued under the policy of in.Via.
func (s *Service) LoginTokens(ctx context.Context, in LoginInput) (Member, Tokens, error) {
	var t Tokens
	m, err := s.passwordLogin(ctx, in, func(tx Tx, sess Session) (err error) {
		t, err = s.issue(ctx, tx, sess, in.Via)
		return err
	})
	if err != nil {
		return Member{}, Tokens{}, err
	}
	t, err = s.withIDToken(ctx, m, in.Via, t)
	return m, t, err
}

// passwordLogin is the API logins' common path: the password and, for a
// member with MFA on, the one-time password through the gate, then the
// temporary-password gate, then one transaction opening the session, in
// which issue hands out the dialect's credentials.
func (s *Service) passwordLogin(ctx context.Context, in LoginInput, issue func(tx Tx, sess Session) error) (Member, error) {
	m, err := s.checkPassword(ctx, in.Identifier, in.Password, in.Meta)
	if err != nil {
		return Member{}, err
	}
	var code pass
	if m.MFAEnabled {
		if in.OTP != "" {
			code, err = s.checkCode(ctx, m.Member, in.OTP, in.Meta)
		} else {
			err = errOTPRequired
		}
		if err != nil {
			// The password was right: its round starts over all the same.
			if serr := s.settleAlone(context.WithoutCancel(ctx), m.pass.firstFactor()); serr != nil {
				return Member{}, serr
			}
			return Member{}, err
		}
	}
	if err := s.newPasswordGate(ctx, m); err != nil {
		if serr := s.settleAlone(context.WithoutCancel(ctx), code); serr != nil {
			return Member{}, serr
		}
		return Member{}, err
	}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := code.done(ctx, tx, s); err != nil {
			return err
		}
		amr := []string{amrPassword}
		if m.MFAEnabled {
			amr = append(amr, amrOTP)
		}
		sess, err := s.loginSession(ctx, tx, m, in.Via, in.Meta, m.MFAEnabled, amr...)
		if err != nil {
			return err
		}
		return issue(tx, sess)
	})
	if err != nil {
		return Member{}, err
	}
	return m.Member, nil
}

// newPasswordGate stops a member with a temporary password at the
// NEW_PASSWORD_REQUIRED challenge; the password's gate pass is settled
// first (it was right).
func (s *Service) newPasswordGate(ctx context.Context, m verifiedMember) error {
	if m.Status != StatusPasswordResetRequired {
		return nil
	}
	if err := s.settleAlone(context.WithoutCancel(ctx), m.pass); err != nil {
		return err
	}
	challenge, err := s.newPasswordChallenge(ctx, m.Member)
	if err != nil {
		return err
	}
	return &Error{Code: ENEWPASSWORD, Message: "A new password must be set before signing in.", Challenge: challenge}
}

// loginSession settles the gate's pass, stores a pending rehash and opens
// the session of a complete login; mfa records that a second factor was
// passed.
func (s *Service) loginSession(ctx context.Context, tx Tx, m verifiedMember, via string, meta ClientMeta, mfa bool, amr ...string) (Session, error) {
	if err := m.pass.done(ctx, tx, s); err != nil {
		return Session{}, err
	}
	if m.rehash != "" {
		if err := tx.SetPasswordHash(ctx, m.ID, m.rehash); err != nil {
			return Session{}, err
		}
	}
	sess, err := s.openSession(ctx, tx, m.ID, via, meta, mfa, amr...)
	return sess, err
}

// RefreshTokens exchanges a refresh token for a new access token (and, when
// the presenting dialect rotates, a new refresh token). A rotated token
// replayed within RefreshGrace returns the current token; replayed later, it
// revokes the whole session, and that revocation is committed although the
// call fails.
func (s *Service) RefreshTokens(ctx context.Context, via, refresh string) (Member, Tokens, error) {
	return s.RefreshTokensAs(ctx, via, refresh, "")
}

// RefreshTokensAs is RefreshTokens for dialects that also name the member
// (wme's username): a token of anyone else is refused before anything is
// minted. An empty identifier skips the check.
func (s *Service) RefreshTokensAs(ctx context.Context, via, refresh, identifier string) (Member, Tokens, error) {
	if refresh == "" || len(refresh) > maxTokenLen {
		return Member{}, Tokens{}, errInvalidToken
	}
	hash := HashToken(refresh)
	// Whose token it is, read before the write: on SQLite the Update below
	// runs on the one writer, which every rotation waits for, so what can
	// be read outside it is (docs/decisions.md "Refresh rotation on
	// SQLite"). The reads here may be a moment old; the ones that decide
	// run again inside. The member's status needs no second look: every
	// change that stops a member from using their sessions (suspension,
	// deletion) ends those sessions in its own transaction, and the session
	// is checked inside.
	_, owner, err := s.liveCredential(ctx, s.store, hash, CredRefresh)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	m, err := s.activeMember(ctx, s.store, owner.MemberID)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	if identifier != "" && Canonical(identifier) != m.Username && Canonical(identifier) != Canonical(m.Email) {
		return Member{}, Tokens{}, errInvalidToken
	}
	var (
		t      Tokens
		reused bool
	)
	// Everything below rests on the refresh token's row, which the store
	// locks (rowlocks.go), and on conditional single-row writes.
	err = s.update(withRowLocks(ctx), func(tx Tx, _ *mailQueue) error {
		// The store may run this function again (PostgreSQL retries a
		// transaction that lost a serialization conflict): start clean.
		reused = false
		c, sess, err := s.liveCredential(ctx, tx, hash, CredRefresh)
		if err != nil {
			return err
		}
		if sess.MemberID != m.ID { // a credential never changes session
			return errInvalidToken
		}
		// A refresh token keeps the policy of the dialect that issued it,
		// whichever door it is presented at: a rotating family rotates, a
		// capped one stays capped, and no access token outlives its
		// issuer's setting.
		if c.Via != "" {
			via = c.Via
		}
		now := s.clock()
		if c.RotatedAt != nil {
			if t, err = s.graceReplay(ctx, tx, c, sess, via); err == nil {
				return nil
			} else if AsError(err) == nil {
				return err // the store failed (or must retry): decide nothing
			}
			// Reuse of a rotated token: the family is compromised.
			reused = true
			return tx.RevokeSession(ctx, sess.ID, now)
		}
		if err := tx.TouchSession(ctx, sess.ID, now); err != nil {
			return err
		}
		p := s.tokenPolicy(via)
		if !p.Rotate {
			if p.MaxMints > 0 && c.Mints >= p.MaxMints {
				return errMintLimit
			}
			if _, err := tx.AddMint(ctx, hash); err != nil {
				return err
			}
			t = Tokens{Session: sess}
			t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, p.Access, hash)
			return err
		}
		next, nextExp, err := s.mint(ctx, tx, CredRefresh, via, sess, p.Refresh, hash)
		if err != nil {
			return err
		}
		if err := tx.RotateCredential(ctx, hash, now, next); err != nil {
			return refusal(err, errInvalidToken)
		}
		t = Tokens{Session: sess, Refresh: next, RefreshExpires: nextExp}
		t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, p.Access, HashToken(next))
		return err
	})
	if err == nil && reused {
		err = errInvalidToken
	}
	if err != nil {
		return Member{}, Tokens{}, err
	}
	t, err = s.withIDToken(ctx, m, via, t)
	return m, t, err
}

// graceReplay answers a rotated refresh token replayed within RefreshGrace
// of its rotation whose successor is still the family's current token: it
// returns that successor and a new access token, so concurrent retries do
// not fork the family. Anything else is an error.
func (s *Service) graceReplay(ctx context.Context, tx Tx, c Credential, sess Session, via string) (Tokens, error) {
	now := s.clock()
	if c.Successor == "" || now.Sub(*c.RotatedAt) > RefreshGrace {
		return Tokens{}, errInvalidToken
	}
	next, err := tx.CredentialByHash(ctx, HashToken(c.Successor))
	if err != nil && !isNotFound(err) {
		return Tokens{}, err
	}
	if err != nil || next.RotatedAt != nil || next.RevokedAt != nil || !now.Before(next.ExpiresAt) {
		return Tokens{}, errInvalidToken
	}
	t := Tokens{Session: sess, Refresh: c.Successor, RefreshExpires: next.ExpiresAt}
	t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, s.tokenPolicy(via).Access, next.Hash)
	return t, err
}

// liveCredential loads a credential of the kind whose session is live. Wrong
// kind, unknown, revoked or dead-session tokens are errInvalidToken; an
// expired one is errTokenExpired.
func (s *Service) liveCredential(ctx context.Context, r Reader, hash, kind string) (Credential, Session, error) {
	c, err := r.CredentialByHash(ctx, hash)
	if isNotFound(err) || (err == nil && (c.Kind != kind || c.RevokedAt != nil)) {
		return Credential{}, Session{}, errInvalidToken
	}
	if err != nil {
		return Credential{}, Session{}, err
	}
	now := s.clock()
	if c.SessionID == 0 {
		return Credential{}, Session{}, errInvalidToken
	}
	sess, err := r.SessionByID(ctx, c.SessionID)
	if isNotFound(err) || (err == nil && !sess.Active(now, s.idle(sess))) {
		return Credential{}, Session{}, errInvalidToken
	}
	if err != nil {
		return Credential{}, Session{}, err
	}
	if !now.Before(c.ExpiresAt) {
		return Credential{}, Session{}, errTokenExpired
	}
	return c, sess, nil
}

// activeMember loads a member who may still use their sessions.
func (s *Service) activeMember(ctx context.Context, r Reader, id int64) (Member, error) {
	m, err := r.MemberByID(ctx, id)
	if isNotFound(err) || (err == nil && m.Status != StatusActive) {
		return Member{}, errInvalidToken
	}
	return m, err
}

// AuthenticateToken resolves an access token from any dialect (or the pages)
// to its member and live session. Any other kind of token is EUNAUTHORIZED;
// an expired one is EEXPIRED.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Member, Session, error) {
	if token == "" || len(token) > maxTokenLen {
		return Member{}, Session{}, errInvalidToken
	}
	_, sess, err := s.liveCredential(ctx, s.store, HashToken(token), CredAccess)
	if err != nil {
		return Member{}, Session{}, err
	}
	m, sess, err := s.authenticateSession(ctx, sess)
	if ErrorCode(err) == EUNAUTHORIZED {
		return Member{}, Session{}, errInvalidToken
	}
	return m, sess, err
}

// RevokeRefreshToken ends the session a refresh token belongs to. Unknown,
// revoked or malformed tokens are not an error (RFC 7009).
func (s *Service) RevokeRefreshToken(ctx context.Context, refresh string) error {
	return s.revokeByToken(ctx, refresh, CredRefresh)
}

// LogoutToken ends the session of an access token; unknown tokens are not an
// error.
func (s *Service) LogoutToken(ctx context.Context, access string) error {
	return s.revokeByToken(ctx, access, CredAccess)
}

func (s *Service) revokeByToken(ctx context.Context, token, kind string) error {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	c, err := s.store.CredentialByHash(ctx, HashToken(token))
	if isNotFound(err) || (err == nil && (c.Kind != kind || c.SessionID == 0)) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.Logout(ctx, c.SessionID)
}

// BasicLogin serves HTTP Basic logins (kotive): secret is either the
// member's password, which opens a new session, or an access token of that
// same member, which is returned as is.
func (s *Service) BasicLogin(ctx context.Context, username, secret, via string, meta ClientMeta) (Member, Tokens, error) {
	if m, sess, err := s.AuthenticateToken(ctx, secret); err == nil {
		key := Canonical(username)
		if key != m.Username && key != Canonical(m.Email) {
			return Member{}, Tokens{}, errInvalidCredentials
		}
		c, err := s.store.CredentialByHash(ctx, HashToken(secret))
		if err != nil {
			return Member{}, Tokens{}, err
		}
		return m, Tokens{Access: secret, AccessExpires: c.ExpiresAt, Session: sess}, nil
	}
	return s.LoginTokens(ctx, LoginInput{Identifier: username, Password: secret, Via: via, Meta: meta})
}
