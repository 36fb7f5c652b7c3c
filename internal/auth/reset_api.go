package auth

import (
	"context"
	"crypto/subtle"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ResetMode selects what a password reset request mails.
type ResetMode int

// The reset flows of the dialects.
const (
	ResetLink             ResetMode = iota // a link to the reset page (pages, directus, openapi, kotive)
	ResetLinkTempPassword                  // kuroco reminder: a link plus a temporary password
	ResetCode                              // wme: an 8-character confirmation code (10 min, 5 tries)
	ResetOrInvite                          // kotive: a reset link, or an invitation to register for an unknown address
)

// maxCodeAttempts is how many wrong confirmation codes end a wme reset flow
// (docs/security.md R4: the 6th wrong code finds no flow).
const maxCodeAttempts = 5

// ResetRequest asks for a reset mail.
type ResetRequest struct {
	Identifier string // email or username (ResetOrInvite: an email address)
	Mode       ResetMode
	// URL, when set, replaces the reset page in the link (directus
	// reset_url). It must be exactly one of Config.ResetURLAllowList;
	// otherwise the request is EINVALID, whether or not the account exists.
	URL string
	// Door names the front door that asked (ViaPage, ViaKuroco, …); it is
	// recorded with the request.
	Door string
	// IP is the client's address: the per-IP limit counts by it.
	IP string
}

var (
	errResetURL    = &Error{Code: EINVALID, Message: "reset_url is not in the allow list.", Fields: map[string]string{"reset_url": "reset_url is not in the allow list."}}
	errCodeInvalid = &Error{Code: EUNAUTHORIZED, Message: "Invalid or expired confirmation code."}
)

// resetURLAllowed reports whether u is exactly an allow-listed reset URL
// (docs/security.md R2: no prefix, host or scheme games).
func (s *Service) resetURLAllowed(u string) bool {
	for _, allowed := range s.cfg.ResetURLAllowList {
		if u == allowed {
			return true
		}
	}
	return false
}

// resetLink describes one reset mail: the page the link opens, how long it
// lives, whether a temporary password comes with it (kuroco), and the mail
// kind (a reset, or an administrator's invitation to set a first password).
type resetLink struct {
	base string
	ttl  time.Duration
	temp bool
	mail string
}

// queueResetLink issues a reset token (older ones of the member die) and
// queues its mail inside tx.
func (s *Service) queueResetLink(ctx context.Context, tx Tx, q *mailQueue, m Member, l resetLink) error {
	secret, err := newSecret(s.rand, 32)
	if err != nil {
		return err
	}
	now := s.clock()
	expires := now.Add(l.ttl)
	sep := "?"
	if strings.Contains(l.base, "?") {
		sep = "&"
	}
	data := map[string]string{
		"link":            l.base + sep + "token=" + url.QueryEscape(secret),
		"expires_minutes": strconv.Itoa(int(l.ttl.Minutes())),
	}
	// Email: the link dies when the member's address changes (liveToken).
	tok := OneTimeToken{Hash: HashToken(secret), Kind: TokenReset, MemberID: m.ID, Email: m.Email, CreatedAt: now, ExpiresAt: expires}
	if l.temp {
		temp, err := s.code(12)
		if err != nil {
			return err
		}
		data["temp_password"] = temp
		tok.Secret2Hash = HashToken(temp)
	}
	if err := tx.DeleteTokens(ctx, m.ID, TokenReset); err != nil {
		return err
	}
	if err := tx.CreateToken(ctx, tok); err != nil {
		return err
	}
	return q.send(ctx, s.mail(l.mail, m, data, expires))
}

// queueResetCode issues wme's confirmation code inside tx, bound to the
// member (only the hash of "<member id>:<code>" is stored) and to the
// address it is mailed to (ResetWithCode refuses it once that changed).
func (s *Service) queueResetCode(ctx context.Context, tx Tx, q *mailQueue, m Member) error {
	code, err := s.code(8)
	if err != nil {
		return err
	}
	now := s.clock()
	expires := now.Add(s.cfg.ResetCodeTTL)
	data := map[string]string{
		"code":            code,
		"link":            s.link("/"),
		"expires_minutes": strconv.Itoa(int(s.cfg.ResetCodeTTL.Minutes())),
	}
	if err := tx.DeleteTokens(ctx, m.ID, TokenResetCode); err != nil {
		return err
	}
	if err := tx.CreateToken(ctx, OneTimeToken{Hash: codeHash(m.ID, code), Kind: TokenResetCode, MemberID: m.ID, Email: m.Email, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return err
	}
	return q.send(ctx, s.mail(MailResetCode, m, data, expires))
}

func codeHash(memberID int64, code string) string {
	return HashToken(strconv.FormatInt(memberID, 10) + ":" + code)
}

// codeAlphabet has no look-alike characters (0/O, 1/l/I).
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"

// code returns n random characters of codeAlphabet, without modulo bias.
func (s *Service) code(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(codeAlphabet)
	for len(out) < n {
		if _, err := s.rand.Read(buf); err != nil {
			return "", err
		}
		if int(buf[0]) < limit {
			out = append(out, codeAlphabet[int(buf[0])%len(codeAlphabet)])
		}
	}
	return string(out), nil
}

// ResetWithTempPassword is kuroco's reminder step 2: the mailed token and
// temporary password together set the new password. The pair goes through
// the gate like every secret.
func (s *Service) ResetWithTempPassword(ctx context.Context, token, tempPassword, newPassword string, meta ClientMeta) error {
	var (
		tok OneTimeToken
		m   Member
	)
	err := s.gateToken(ctx, meta, func(ctx context.Context) (err error) {
		if tok, m, err = s.liveToken(ctx, token, TokenReset); err != nil {
			return err
		}
		if tok.Secret2Hash == "" || subtle.ConstantTimeCompare([]byte(tok.Secret2Hash), []byte(HashToken(tempPassword))) != 1 {
			return errResetInvalid
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.resetWith(ctx, tok, m, newPassword, meta)
}

// resetWith sets a new password with a live reset token: policy, a password
// other than the current one, single use, every session ends, reset links
// die, the failure counters start over, a notice is mailed.
func (s *Service) resetWith(ctx context.Context, tok OneTimeToken, m Member, password string, meta ClientMeta) error {
	if err := s.policy.Check(password, PasswordOwner{Email: m.Email, Username: m.Username}); err != nil {
		return err
	}
	if same, err := s.sameAsCurrent(m, password); err != nil || same {
		if err == nil {
			err = errSameAsCurrent
		}
		return err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.UseToken(ctx, tok.Hash, s.clock()); err != nil {
			if isNotFound(err) {
				return errResetInvalid
			}
			return err
		}
		if tok.Kind == TokenResetCode {
			if err := tx.DeleteTokens(ctx, m.ID, TokenResetCode); err != nil {
				return err
			}
		}
		if err := s.auditEvent(ctx, tx, event{action: AuditResetUsed, subject: m.ID, result: ResultOK, meta: meta}); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, m, hash, 0, meta, "reset")
	})
}

// ResetWithCode is wme's forgot-password-confirm. The code is bound to the
// member and the flow it was issued for, and goes through the gate as a
// one-time code (an unknown username costs the same); the fifth wrong code
// also ends the flow. The counts are committed although the request fails.
func (s *Service) ResetWithCode(ctx context.Context, identifier, code, newPassword string, meta ClientMeta) error {
	key := Canonical(identifier)
	if len(key) > maxIdentifierLen {
		key = key[:maxIdentifierLen]
	}
	m, err := s.store.MemberByLogin(ctx, key)
	if err != nil && !isNotFound(err) {
		return err
	}
	var tok OneTimeToken
	p, err := s.gate(ctx, attempt{
		kind: secretCode, meta: meta, member: m, ident: key, failure: errCodeInvalid, floor: true,
		verify: func(ctx context.Context) (bool, error) {
			if m.ID == 0 {
				return false, nil
			}
			var err error
			tok, err = s.store.ActiveToken(ctx, m.ID, TokenResetCode, s.clock())
			if isNotFound(err) || (err == nil && tok.Attempts >= maxCodeAttempts) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			if len(code) <= 64 && subtle.ConstantTimeCompare([]byte(tok.Hash), []byte(codeHash(m.ID, strings.TrimSpace(code)))) == 1 {
				// The code dies when the password or the member's email
				// changed since it was mailed.
				return m.Status != StatusSuspended && !m.PasswordChangedAt.After(tok.CreatedAt) &&
					Canonical(tok.Email) == Canonical(m.Email), nil
			}
			return false, s.update(ctx, func(tx Tx, _ *mailQueue) error {
				n, err := tx.AddTokenAttempt(ctx, tok.Hash)
				if err != nil || n < maxCodeAttempts {
					return err
				}
				return tx.DeleteTokens(ctx, m.ID, TokenResetCode)
			})
		},
	})
	if err != nil {
		return err
	}
	if err := s.settleAlone(context.WithoutCancel(ctx), p); err != nil {
		return err
	}
	return s.resetWith(ctx, tok, m, newPassword, meta)
}

// errTokenRefused marks a refused token inside gateToken.
var errTokenRefused = &Error{Code: EUNAUTHORIZED, Message: "Invalid token."}

// gateToken runs the check of a high-entropy token (reset link, grant)
// through the gate: a refusal (EUNAUTHORIZED or EEXPIRED from check) counts
// on the client's per-IP throttle and is answered as check answered it.
func (s *Service) gateToken(ctx context.Context, meta ClientMeta, check func(context.Context) error) error {
	var refusal error
	_, err := s.gate(ctx, attempt{kind: secretToken, meta: meta, failure: errTokenRefused,
		verify: func(ctx context.Context) (bool, error) {
			err := check(ctx)
			if c := ErrorCode(err); c == EUNAUTHORIZED || c == EEXPIRED {
				refusal = err
				return false, nil
			}
			return err == nil, err
		}})
	if err == errTokenRefused {
		return refusal
	}
	return err
}

// InviteOrReset is kotive's resetpassword without a client IP (see
// RequestReset with ResetOrInvite): a reset link for a known email, an
// invitation to the register page for an unknown one. A malformed address
// is EINVALID.
func (s *Service) InviteOrReset(ctx context.Context, email string) error {
	return s.RequestReset(ctx, ResetRequest{Identifier: email, Mode: ResetOrInvite, Door: ViaKotive})
}

// CheckInvite returns the invited address of a live invitation.
func (s *Service) CheckInvite(ctx context.Context, token string) (string, error) {
	tok, err := s.liveInvite(ctx, s.store, token)
	return tok.Email, err
}

var errInviteInvalid = &Error{Code: EUNAUTHORIZED, Message: "This invitation is invalid or has expired."}

func (s *Service) liveInvite(ctx context.Context, r Reader, token string) (OneTimeToken, error) {
	if token == "" || len(token) > maxTokenLen {
		return OneTimeToken{}, errInviteInvalid
	}
	tok, err := r.TokenByHash(ctx, HashToken(token))
	if isNotFound(err) || (err == nil && (tok.Kind != TokenInvite || tok.UsedAt != nil || !s.clock().Before(tok.ExpiresAt))) {
		return OneTimeToken{}, errInviteInvalid
	}
	return tok, err
}

// CompleteNewPasswordTokens answers wme's NEW_PASSWORD_REQUIRED challenge
// (the challenge must belong to the member named by identifier) and returns
// tokens under the policy of via.
func (s *Service) CompleteNewPasswordTokens(ctx context.Context, identifier, challenge, password, via string, meta ClientMeta) (Member, Tokens, error) {
	m, t, err := s.completeNewPassword(ctx, identifier, challenge, password, via, meta, true)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	t, err = s.withIDToken(ctx, m, via, t)
	return m, t, err
}

// RegisterTokens registers like Register and returns tokens under the policy
// of in.Via instead of a browser session.
func (s *Service) RegisterTokens(ctx context.Context, in RegisterInput) (Member, Tokens, error) {
	m, t, err := s.register(ctx, in, true)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	t, err = s.withIDToken(ctx, m, in.Via, t)
	return m, t, err
}

// MemberGroups returns the groups the member holds a role in (kotive's
// groupsIndex).
func (s *Service) MemberGroups(ctx context.Context, memberID int64) ([]Group, error) {
	return s.store.GroupsOfMember(ctx, memberID)
}

// Per-address mail limit (docs/security.md B8) of the register-attempt notice:
// at most mailLimit such mails to one address per mailLimitWindow. The
// reset, code and invitation mails follow Config.ResetLimitPerAddress
// instead (reset_request.go).
const (
	mailLimit       = 5
	mailLimitWindow = time.Hour
)
