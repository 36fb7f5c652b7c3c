package auth

import (
	"context"
	"time"
)

// defaultAnonymousLimit is how many anonymous tokens one client may get per
// minute when the configuration does not say.
const defaultAnonymousLimit = 30

// newAnonymousLimiter is the per-client limiter of AnonymousToken: limit per
// minute, 0 meaning the default and a negative value none.
func newAnonymousLimiter(limit int, now func() time.Time) *windowLog {
	if limit == 0 {
		limit = defaultAnonymousLimit
	}
	return newWindowLog(limit, time.Minute, now)
}

// errAnonymousLimit answers a client over its anonymous-token allowance;
// RetryAfter is filled in per request.
func errAnonymousLimit(retry time.Duration) error {
	return &Error{Code: ERATELIMIT, Message: "Too many anonymous tokens requested from this address; retry later.", RetryAfter: retry}
}

// AnonymousToken issues a kuroco anonymous access token: accepted by public
// endpoints only, refused wherever a member is needed. Anyone may ask, so
// each client (meta.IP; IPv6 by /64) gets at most
// Config.AnonymousTokenLimit per minute: a flood from one address cannot
// fill the credentials table (each token is a row until the janitor
// deletes it after it expires). Over the limit nothing is written and the
// answer is ERATELIMIT with RetryAfter.
func (s *Service) AnonymousToken(ctx context.Context, via string, meta ClientMeta) (Tokens, error) {
	if retry, ok := s.anon.allow(ipKey(meta.IP)); !ok {
		return Tokens{}, errAnonymousLimit(retry)
	}
	var t Tokens
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAnonymous, via, Session{}, s.tokenPolicy(via).Access, "")
		return err
	})
	return t, err
}
