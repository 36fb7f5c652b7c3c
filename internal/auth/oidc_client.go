package auth

import (
	"context"
	"crypto/subtle"
	"net"
	"net/url"
	"strings"
	"time"
)

// Client is a relying party of the OpenID Provider (docs/decisions.md,
// "Sign in with Gatehouse"). A confidential client authenticates with a
// secret of which only the SHA-256 is stored; a public client (a browser or
// native app) has none and must use PKCE S256.
type Client struct {
	ID           int64
	ClientID     string
	Name         string
	SecretHash   string // "" for a public client
	RedirectURIs []string
	Public       bool
	FirstParty   bool // no consent page: the operator's own app
	RefuseProxy  bool // tokens are refused inside proxy sessions
	LogoutURI    string
	CreatedAt    time.Time
}

// ClientInput is what creating a client takes.
type ClientInput struct {
	Name         string
	RedirectURIs []string
	Public       bool
	FirstParty   bool
	RefuseProxy  bool
}

// maxRedirectURIs bounds the redirect URIs of one client.
const maxRedirectURIs = 20

var (
	errInvalidClient  = &Error{Code: EUNAUTHORIZED, Message: "Unknown client or wrong client secret."}
	errClientNotFound = &Error{Code: ENOTFOUND, Message: "Client not found."}
)

// ValidRedirectURI reports whether u may be registered as a redirect URI:
// absolute, no fragment, no user info, and https unless the host is the
// loopback interface (RFC 8252 §7.3, RFC 9700 §2.1).
func ValidRedirectURI(u string) bool {
	if u == "" || len(u) > 2000 {
		return false
	}
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || p.Host == "" || p.Fragment != "" || p.User != nil || strings.ContainsAny(u, " \t\r\n#") {
		return false
	}
	switch p.Scheme {
	case "https":
		return true
	case "http":
		h := p.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// CreateClient registers a relying party with a random client_id. A
// confidential client also gets a secret, returned here once and stored
// only as its hash.
func (s *Service) CreateClient(ctx context.Context, in ClientInput) (Client, string, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return Client{}, "", FieldError("name", "Give the client a name of at most 100 characters.")
	}
	if len(in.RedirectURIs) == 0 || len(in.RedirectURIs) > maxRedirectURIs {
		return Client{}, "", FieldError("redirect-uri", "Give between 1 and 20 redirect URIs.")
	}
	seen := map[string]bool{}
	uris := make([]string, 0, len(in.RedirectURIs))
	for _, u := range in.RedirectURIs {
		if !ValidRedirectURI(u) {
			return Client{}, "", FieldError("redirect-uri", "A redirect URI must be an absolute https URL (http only on localhost) without a fragment: "+truncate(u, 200))
		}
		if !seen[u] {
			seen[u] = true
			uris = append(uris, u)
		}
	}
	// Hex, so that a client_id never starts with "-" (a flag to the CLI)
	// and needs no escaping in URLs or HTTP Basic credentials.
	id, err := s.secret(TokenPolicy{Hex: true, HexBytes: 16})
	if err != nil {
		return Client{}, "", err
	}
	c := Client{ClientID: id, Name: name, RedirectURIs: uris, Public: in.Public, FirstParty: in.FirstParty,
		RefuseProxy: in.RefuseProxy, CreatedAt: s.clock()}
	secret := ""
	if !in.Public {
		if secret, err = newSecret(s.rand, 32); err != nil {
			return Client{}, "", err
		}
		c.SecretHash = HashToken(secret)
	}
	if err := s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.CreateClient(ctx, &c) }); err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// ListClients returns every client, oldest first.
func (s *Service) ListClients(ctx context.Context) ([]Client, error) {
	return s.store.ListClients(ctx)
}

// Client returns the client with the client_id (ENOTFOUND when none).
func (s *Service) Client(ctx context.Context, clientID string) (Client, error) {
	if clientID == "" || len(clientID) > maxTokenLen {
		return Client{}, errClientNotFound
	}
	return s.store.ClientByClientID(ctx, clientID)
}

// DeleteClient removes the client; its pending requests and consents go
// with it, and the sessions' tokens it was issued stop working because
// their client no longer exists (ENOTFOUND when there is none).
func (s *Service) DeleteClient(ctx context.Context, clientID string) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.DeleteClient(ctx, clientID) })
}

// AuthenticateClient checks a client's credentials at the token,
// revocation and introspection endpoints. A public client presents no
// secret; a confidential one must present its own. Secrets are 256-bit
// random values, checked through the gate like every other secret (the
// per-IP throttle). Every failure is the same EUNAUTHORIZED.
func (s *Service) AuthenticateClient(ctx context.Context, clientID, secret string, meta ClientMeta) (Client, error) {
	var c Client
	_, err := s.gate(ctx, attempt{kind: secretToken, meta: meta, failure: errInvalidClient, verify: func(ctx context.Context) (bool, error) {
		if clientID == "" || len(clientID) > maxTokenLen || len(secret) > maxTokenLen {
			return false, nil
		}
		found, err := s.store.ClientByClientID(ctx, clientID)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if found.Public {
			c = found
			return secret == "", nil
		}
		if secret == "" {
			return false, nil
		}
		if subtle.ConstantTimeCompare([]byte(HashToken(secret)), []byte(found.SecretHash)) != 1 {
			return false, nil
		}
		c = found
		return true, nil
	}})
	if err != nil {
		return Client{}, err
	}
	return c, nil
}

// HasRedirectURI reports whether u is one of the client's redirect URIs
// (exact string comparison, RFC 9700 §4.1.3).
func (c Client) HasRedirectURI(u string) bool {
	for _, r := range c.RedirectURIs {
		if r == u {
			return true
		}
	}
	return false
}

var errOwnerOnlyClients = &Error{Code: EFORBIDDEN, Message: "Only an Account Owner may manage the apps that sign in with Gatehouse."}

// AdminClients lists the clients (Account Owners, not in a proxy session).
func (s *Service) AdminClients(ctx context.Context, a Actor) ([]Client, error) {
	if !isOwner(a) {
		return nil, errOwnerOnlyClients
	}
	return s.ListClients(ctx)
}

// AdminCreateClient registers a client as CreateClient does (Account
// Owners); the secret is returned this once.
func (s *Service) AdminCreateClient(ctx context.Context, a Actor, in ClientInput) (Client, string, error) {
	if !isOwner(a) {
		return Client{}, "", errOwnerOnlyClients
	}
	return s.CreateClient(ctx, in)
}

// AdminDeleteClient deletes a client and so ends its tokens (Account
// Owners).
func (s *Service) AdminDeleteClient(ctx context.Context, a Actor, clientID string) error {
	if !isOwner(a) {
		return errOwnerOnlyClients
	}
	return s.DeleteClient(ctx, clientID)
}
