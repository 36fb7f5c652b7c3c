package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// Keys in c.Locals.
const (
	localRequestID = api.LocalRequestID
	localSession   = "page_session"
	localMember    = "member"
	localAuthSess  = "auth_session"
)

// Keys inside the browser session.
const (
	keySessionID = "sid"       // auth.Session id of the signed-in member
	keyCSRF      = "csrf"      // synchronizer token for every form
	keyFlash     = "flash"     // one-time success message
	keyCreated   = "created"   // unix seconds; the absolute lifetime runs from here
	keyChallenge = "challenge" // NEW_PASSWORD_REQUIRED challenge
	keyMFA       = "mfa"       // password accepted, one-time password pending
)

// browserSessionTTL bounds a browser session (signed in or not); the domain
// session inside it has its own idle and absolute limits.
const browserSessionTTL = 12 * time.Hour

// newSessionStore configures Fiber's session middleware: 256-bit ids that are
// not UUIDs, an HttpOnly SameSite=Lax cookie that is __Host- prefixed and
// Secure over https, a cookie-only lookup (an id in a URL is ignored), and
// ids stored only as SHA-256 hashes.
func newSessionStore(storage fiber.Storage, secure bool) *session.Store {
	name := "gatehouse_sid"
	if secure {
		name = "__Host-gatehouse_sid"
	}
	return session.New(session.Config{
		Storage:        hashedStorage{storage},
		Expiration:     browserSessionTTL,
		KeyLookup:      "cookie:" + name,
		CookiePath:     "/",
		CookieSecure:   secure,
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		KeyGenerator:   randomKey,
	})
}

func randomKey() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashedStorage stores browser sessions under the SHA-256 of their id, so a
// copy of the session database yields no usable cookie.
type hashedStorage struct{ fiber.Storage }

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

func (h hashedStorage) Get(k string) ([]byte, error) { return h.Storage.Get(hashKey(k)) }
func (h hashedStorage) Set(k string, v []byte, exp time.Duration) error {
	return h.Storage.Set(hashKey(k), v, exp)
}
func (h hashedStorage) Delete(k string) error { return h.Storage.Delete(hashKey(k)) }

// pageSession wraps the browser session of one request and saves it once,
// after the handler, only when something changed.
type pageSession struct {
	s     *session.Session
	dirty bool
}

func (p *pageSession) get(key string) any { return p.s.Get(key) }
func (p *pageSession) set(key string, v any) {
	p.s.Set(key, v)
	p.dirty = true
}
func (p *pageSession) del(key string) {
	if p.s.Get(key) != nil {
		p.s.Delete(key)
		p.dirty = true
	}
}

// destroy deletes the browser session and expires its cookie.
func (p *pageSession) destroy() error {
	p.dirty = false
	return p.s.Destroy()
}

// flash stores a message to show once on the next page.
func (p *pageSession) flash(msg string) { p.set(keyFlash, msg) }

// csrf returns the session's CSRF token, creating it when absent.
func (p *pageSession) csrf() string {
	if t, ok := p.get(keyCSRF).(string); ok && t != "" {
		return t
	}
	t := randomKey()
	p.set(keyCSRF, t)
	return t
}

// withSession loads the browser session, resolves the signed-in member
// through the auth service (so a revoked session is refused on its very next
// request), and saves the session after the handler when it changed.
func (s *server) withSession(c *fiber.Ctx) error {
	raw, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	ps := &pageSession{s: raw}
	if _, ok := ps.get(keyCreated).(int64); !ok {
		ps.set(keyCreated, time.Now().Unix())
	}
	c.Locals(localSession, ps)
	if sid, ok := ps.get(keySessionID).(int64); ok {
		m, sess, err := s.auth.Authenticate(c.UserContext(), sid)
		switch {
		case err == nil:
			c.Locals(localMember, &m)
			c.Locals(localAuthSess, &sess)
		case auth.ErrorCode(err) == auth.EUNAUTHORIZED:
			ps.del(keySessionID) // ended elsewhere: continue as anonymous
			ps.del(keyProxyReturn)
		default:
			return err
		}
	}
	if m, _ := currentMember(c); m == nil {
		if err := s.tokenMember(c); err != nil {
			return err
		}
	}
	herr := c.Next()
	if herr != nil {
		// Render the error first: the error page may read the session.
		herr = s.handleError(c, herr)
	}
	if err := s.saveSession(ps); err != nil {
		return err
	}
	return herr
}

// saveSession persists the browser session if it changed, keeping its
// absolute deadline (a save never extends it).
func (s *server) saveSession(ps *pageSession) error {
	if !ps.dirty || ps.s == nil {
		return nil
	}
	created, _ := ps.get(keyCreated).(int64)
	left := time.Until(time.Unix(created, 0).Add(browserSessionTTL))
	if left < time.Second {
		return ps.s.Destroy()
	}
	ps.s.SetExpiry(left)
	err := ps.s.Save()
	ps.s = nil // Fiber releases the session on Save
	return err
}

// sess returns the request's browser session.
func sess(c *fiber.Ctx) *pageSession {
	ps, _ := c.Locals(localSession).(*pageSession)
	return ps
}

// currentMember returns the signed-in member and session, or nils.
func currentMember(c *fiber.Ctx) (*auth.Member, *auth.Session) {
	m, _ := c.Locals(localMember).(*auth.Member)
	as, _ := c.Locals(localAuthSess).(*auth.Session)
	return m, as
}

// signIn starts a new browser session for an authenticated auth.Session:
// the id changes (no fixation), the CSRF token is renewed, and the anonymous
// session's data is dropped.
func (s *server) signIn(c *fiber.Ctx, as auth.Session) error {
	ps := sess(c)
	back, _ := ps.get(keyReturn).(string) // an OpenID sign-in waiting (oidc.go)
	if err := ps.s.Reset(); err != nil {
		return err
	}
	if back != "" {
		ps.set(keyReturn, back)
	}
	ps.set(keyCreated, time.Now().Unix())
	ps.set(keySessionID, as.ID)
	ps.set(keyCSRF, randomKey())
	return nil
}

// verifyCSRF guards every state-changing page request: a cross-site fetch is
// refused outright, and the form's _csrf must be a masked form of the
// session's token (see maskToken).
func (s *server) verifyCSRF(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return fiber.NewError(fiber.StatusForbidden, "This form was submitted from another site.")
	}
	want, _ := sess(c).get(keyCSRF).(string)
	if !tokenMatches(c.FormValue("_csrf"), want) {
		return fiber.NewError(fiber.StatusForbidden, "Your form expired. Go back, reload the page and try again.")
	}
	return c.Next()
}

// requireMember sends anonymous visitors to the login page.
func requireMember(c *fiber.Ctx) error {
	if m, _ := currentMember(c); m == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return c.Next()
}

// tokenMember lets an API client's access token (Authorization: Bearer or
// X-RCMS-API-ACCESS-TOKEN) open the pages too: tokens are universal
// (docs/contract.md §1). Only headers count, never cookies, so a browser never
// sends one on its own. A bad token is simply ignored (anonymous).
func (s *server) tokenMember(c *fiber.Ctx) error {
	token := c.Get("X-RCMS-API-ACCESS-TOKEN")
	if h := c.Get(fiber.HeaderAuthorization); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		token = h[7:]
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil
	}
	m, as, err := s.auth.AuthenticateToken(c.UserContext(), strings.Clone(token))
	switch auth.ErrorCode(err) {
	case "":
		c.Locals(localMember, &m)
		c.Locals(localAuthSess, &as)
		return nil
	case auth.EUNAUTHORIZED, auth.EEXPIRED:
		return nil
	}
	return err
}

// currentActor returns who performs the request: the signed-in member, their
// auth session (a proxy session carries the real actor in Session.ActorID)
// and the client. It is the zero Actor (with Meta) for anonymous requests.
func currentActor(c *fiber.Ctx) auth.Actor {
	a := auth.Actor{Meta: clientMeta(c)}
	if m, as := currentMember(c); m != nil && as != nil {
		a.Member, a.Session = *m, *as
	}
	return a
}
