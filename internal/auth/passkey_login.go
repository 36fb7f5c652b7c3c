package auth

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Passkey sign-in (passkey.go; docs/decisions.md, "Passkeys").

// BeginPasskeyLogin starts a sign-in with a discoverable credential: the
// options for navigator.credentials.get (JSON, no allowCredentials) and the
// ceremony state the caller keeps server-side for FinishPasskeyLogin.
func (s *Service) BeginPasskeyLogin(ctx context.Context) (options []byte, state string, err error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, "", err
	}
	assertion, data, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", Errorf(EINTERNAL, "Could not start a passkey sign-in.")
	}
	state, err = s.sealCeremony(passkeyCeremony{Kind: ceremonyLogin}, data)
	if err != nil {
		return nil, "", err
	}
	options, err = json.Marshal(assertion)
	return options, state, err
}

// FinishPasskeyLogin verifies the assertion (the JSON of the
// PublicKeyCredential) and opens a browser session that counts as two
// factors. Every refusal is errPasskeyRefused and a failure on the per-IP
// throttle of the gate (gate.go); a counter that went backwards is audited.
func (s *Service) FinishPasskeyLogin(ctx context.Context, state string, response []byte, meta ClientMeta) (Member, Session, error) {
	c, err := s.openCeremony(state, ceremonyLogin)
	if err != nil {
		return Member{}, Session{}, err
	}
	var (
		m      Member
		stored Passkey
		used   *webauthn.Credential
	)
	p, err := s.gate(ctx, attempt{kind: secretToken, meta: meta, failure: errPasskeyRefused, floor: true, event: AuditSignInFailed,
		verify: func(ctx context.Context) (bool, error) {
			parsed, ok := parseAssertion(response)
			if !ok {
				return false, nil
			}
			rp, err := s.relyingParty()
			if err != nil {
				return false, err
			}
			handler := func(rawID, userHandle []byte) (webauthn.User, error) {
				pk, err := s.store.PasskeyByCredentialID(ctx, rawID)
				if err != nil {
					return nil, err
				}
				if !bytes.Equal(pk.UserHandle, userHandle) {
					return nil, errPasskeyRefused
				}
				mm, err := s.store.MemberByID(ctx, pk.MemberID)
				if err != nil {
					return nil, err
				}
				keys, err := s.store.PasskeysOfMember(ctx, mm.ID)
				if err != nil {
					return nil, err
				}
				m, stored = mm, pk
				return passkeyUser{m: mm, handle: pk.UserHandle, keys: keys}, nil
			}
			_, cred, err := rp.ValidatePasskeyLogin(handler, c.Data, parsed)
			if err != nil {
				return false, nil
			}
			return s.acceptPasskey(ctx, m, stored, cred, meta, &used)
		}})
	if err != nil {
		return Member{}, Session{}, err
	}
	var sess Session
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err = s.passkeySession(ctx, tx, m, stored, used, p, meta, amrHardwareKey)
		return err
	})
	return m, sess, err
}

// parseAssertion parses the browser's answer; false when it is malformed.
func parseAssertion(response []byte) (*protocol.ParsedCredentialAssertionData, bool) {
	if len(response) == 0 || len(response) > maxPasskeyResponse {
		return nil, false
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	return parsed, err == nil
}

// acceptPasskey applies the counter and backup rules and the member's
// status to a verified assertion; a counter regression is audited (and the
// audit committed) although the sign-in fails.
func (s *Service) acceptPasskey(ctx context.Context, m Member, stored Passkey, cred *webauthn.Credential, meta ClientMeta, used **webauthn.Credential) (bool, error) {
	counter, ok := checkPasskeyUse(stored, cred)
	if counter {
		err := s.update(context.WithoutCancel(ctx), func(tx Tx, _ *mailQueue) error {
			return s.audit(ctx, tx, Actor{Member: m, Meta: meta}, AuditPasskeyCounter, m.ID, stored.Name, 0)
		})
		return false, err
	}
	if !ok || m.Status != StatusActive {
		return false, nil
	}
	*used = cred
	return true, nil
}

// passkeySession records the use of the passkey and opens a session that
// passed the second factor, inside tx.
func (s *Service) passkeySession(ctx context.Context, tx Tx, m Member, stored Passkey, cred *webauthn.Credential, p pass, meta ClientMeta, amr ...string) (Session, error) {
	now := s.clock()
	if err := tx.UsePasskey(ctx, stored.ID, cred.Authenticator.SignCount, cred.Flags.BackupState, now); err != nil {
		return Session{}, refusal(err, errPasskeyRefused)
	}
	sess, err := s.loginSession(ctx, tx, verifiedMember{Member: m, pass: p}, ViaPage, meta, true, amr...)
	if err != nil {
		return Session{}, err
	}
	return sess, s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditSignIn, m.ID, AuditDetailPasskey, 0)
}

// BeginPasskeySecondFactor starts using a passkey as the second factor of a
// password sign-in: challenge is the pending login's (Login's EOTP error);
// the options allow only that member's passkeys.
func (s *Service) BeginPasskeySecondFactor(ctx context.Context, challenge string, meta ClientMeta) (options []byte, state string, err error) {
	_, m, err := s.gatedToken(ctx, meta, challenge, TokenMFA)
	if err != nil {
		return nil, "", err
	}
	keys, err := s.store.PasskeysOfMember(ctx, m.ID)
	if err != nil {
		return nil, "", err
	}
	if len(keys) == 0 {
		return nil, "", Errorf(ENOTFOUND, "This account has no passkey.")
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, "", err
	}
	assertion, data, err := rp.BeginLogin(passkeyUser{m: m, handle: keys[0].UserHandle, keys: keys},
		webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", Errorf(EINTERNAL, "Could not start a passkey check.")
	}
	state, err = s.sealCeremony(passkeyCeremony{Kind: ceremonySecond, MemberID: m.ID}, data)
	if err != nil {
		return nil, "", err
	}
	options, err = json.Marshal(assertion)
	return options, state, err
}

// CompleteMFAWithPasskey finishes a password sign-in with a passkey of THAT
// member instead of a one-time code. Failures count like wrong codes (the
// gate's code counters and the per-IP throttle, and the fifth ends the
// pending sign-in).
func (s *Service) CompleteMFAWithPasskey(ctx context.Context, challenge, state string, response []byte, meta ClientMeta) (Member, Session, error) {
	c, err := s.openCeremony(state, ceremonySecond)
	if err != nil {
		return Member{}, Session{}, err
	}
	tok, m, err := s.gatedToken(ctx, meta, challenge, TokenMFA)
	if err != nil {
		return Member{}, Session{}, err
	}
	if c.MemberID != m.ID {
		return Member{}, Session{}, errPasskeyCeremony
	}
	var (
		stored Passkey
		used   *webauthn.Credential
	)
	p, err := s.gate(ctx, attempt{kind: secretCode, meta: meta, member: m, failure: errPasskeyRefused, event: AuditMFAFailed,
		verify: func(ctx context.Context) (bool, error) {
			parsed, ok := parseAssertion(response)
			if !ok {
				return false, nil
			}
			keys, err := s.store.PasskeysOfMember(ctx, m.ID)
			if err != nil || len(keys) == 0 {
				return false, err
			}
			for _, k := range keys {
				if bytes.Equal(k.CredentialID, parsed.RawID) {
					stored = k
				}
			}
			if stored.ID == 0 {
				return false, nil // not a passkey of this member
			}
			rp, err := s.relyingParty()
			if err != nil {
				return false, err
			}
			cred, err := rp.ValidateLogin(passkeyUser{m: m, handle: stored.UserHandle, keys: keys}, c.Data, parsed)
			if err != nil {
				return false, nil
			}
			return s.acceptPasskeyMFA(ctx, m, stored, cred, meta, &used)
		}})
	if err == errPasskeyRefused {
		// Like a wrong code: the fifth refusal ends the pending sign-in.
		if uerr := s.update(context.WithoutCancel(ctx), func(tx Tx, _ *mailQueue) error {
			n, err := tx.AddTokenAttempt(ctx, tok.Hash)
			if err != nil || n < maxOTPAttempts {
				return err
			}
			return tx.DeleteTokens(ctx, m.ID, TokenMFA)
		}); uerr != nil {
			return Member{}, Session{}, uerr
		}
	}
	if err != nil {
		return Member{}, Session{}, err
	}
	var sess Session
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.UseToken(ctx, tok.Hash, s.clock()); err != nil {
			return refusal(err, errChallengeInvalid)
		}
		if m.Status == StatusPasswordResetRequired {
			if err := tx.UsePasskey(ctx, stored.ID, used.Authenticator.SignCount, used.Flags.BackupState, s.clock()); err != nil {
				return err
			}
			return p.done(ctx, tx, s)
		}
		sess, err = s.passkeySession(ctx, tx, m, stored, used, p, meta, amrPassword, amrHardwareKey)
		return err
	})
	if err != nil {
		return Member{}, Session{}, err
	}
	if err := s.newPasswordGate(ctx, verifiedMember{Member: m}); err != nil {
		return Member{}, Session{}, err
	}
	return m, sess, nil
}

// acceptPasskeyMFA is acceptPasskey for a member whose password just
// matched: a temporary password (StatusPasswordResetRequired) goes on to
// the new-password step.
func (s *Service) acceptPasskeyMFA(ctx context.Context, m Member, stored Passkey, cred *webauthn.Credential, meta ClientMeta, used **webauthn.Credential) (bool, error) {
	if m.Status == StatusPasswordResetRequired {
		m.Status = StatusActive
	}
	return s.acceptPasskey(ctx, m, stored, cred, meta, used)
}
