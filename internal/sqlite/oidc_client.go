package sqlite

import (
	"context"
	"strings"

	"gatehouse/internal/auth"

	"github.com/mattn/go-sqlite3"
)

const clientColumns = `id, client_id, name, secret_hash, redirect_uris, public, first_party, refuse_proxy, logout_uri, created_at`

func scanClient(row rowScanner) (auth.Client, error) {
	var (
		c         auth.Client
		uris      string
		createdAt int64
	)
	if err := row.Scan(&c.ID, &c.ClientID, &c.Name, &c.SecretHash, &uris, &c.Public, &c.FirstParty, &c.RefuseProxy,
		&c.LogoutURI, &createdAt); err != nil {
		return auth.Client{}, err
	}
	if uris != "" {
		c.RedirectURIs = strings.Split(uris, "\n")
	}
	c.CreatedAt = fromMillis(createdAt)
	return c, nil
}

// ClientByClientID finds the OpenID Provider client, or ENOTFOUND.
func (r queries) ClientByClientID(ctx context.Context, clientID string) (auth.Client, error) {
	return queryOne(ctx, r.q, scanClient, "client by id", "Client", `SELECT `+clientColumns+` FROM oidc_clients
		WHERE client_id = ?`, clientID)
}

// ListClients lists every client, oldest first.
func (r queries) ListClients(ctx context.Context) ([]auth.Client, error) {
	return queryAll(ctx, r.q, scanClient, "list clients", `SELECT `+clientColumns+` FROM oidc_clients ORDER BY id`)
}

// CreateClient stores c and sets c.ID; a taken client_id is ECONFLICT.
func (t *tx) CreateClient(ctx context.Context, c *auth.Client) error {
	id, err := t.insert(ctx, "create client", `INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris,
		public, first_party, refuse_proxy, logout_uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ClientID, c.Name, c.SecretHash, strings.Join(c.RedirectURIs, "\n"), c.Public, c.FirstParty, c.RefuseProxy,
		c.LogoutURI, toMillis(c.CreatedAt))
	switch {
	case isConstraint(err, sqlite3.ErrConstraintUnique):
		return &auth.Error{Code: auth.ECONFLICT, Message: "This client id is taken."}
	case err != nil:
		return err
	}
	c.ID = id
	return nil
}

// DeleteClient removes the client with its requests and consents
// (ENOTFOUND when absent).
func (t *tx) DeleteClient(ctx context.Context, clientID string) error {
	return t.execOne(ctx, "delete client", "Client", `DELETE FROM oidc_clients WHERE client_id = ?`, clientID)
}
