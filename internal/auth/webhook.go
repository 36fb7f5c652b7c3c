package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/url"
	"strings"
	"time"
)

// WebhookEndpoint is a URL that receives every audit event, signed with
// its own secret.
type WebhookEndpoint struct {
	ID        int64
	URL       string
	CreatedAt time.Time
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID          int64
	EndpointID  int64
	URL         string
	AuditID     int64
	Action      string
	CreatedAt   time.Time
	Attempts    int
	LastStatus  int // HTTP status of the last attempt; 0 when none answered
	LastError   string
	NextAttempt time.Time
	DeliveredAt *time.Time
	DroppedAt   *time.Time
}

// WebhookEvent is a claimed delivery with what the sender needs: the
// endpoint, its secret, and the audit entry that is the event.
type WebhookEvent struct {
	DeliveryID int64
	URL        string
	Secret     []byte
	Attempts   int
	CreatedAt  time.Time
	Entry      AuditEntry
}

// webhookStore is what the store offers for webhooks beyond Store (the
// SQLite store implements it).
type webhookStore interface {
	ListWebhooks(ctx context.Context) ([]WebhookEndpoint, error)
	ListWebhookDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error)
}

// webhookTx is what a transaction offers for webhooks beyond Tx.
type webhookTx interface {
	CreateWebhook(ctx context.Context, e *WebhookEndpoint, secret []byte, by int64) error
	DeleteWebhook(ctx context.Context, id int64) error
}

// Webhook audit actions.
const (
	AuditWebhookCreate = "webhook.create"
	AuditWebhookDelete = "webhook.delete"
)

var (
	errOwnerOnlyWebhooks = &Error{Code: EFORBIDDEN, Message: "Only an Account Owner may manage webhooks."}
	errNoWebhooks        = &Error{Code: EINTERNAL, Message: "This store has no webhooks."}
)

// WebhookSecretPrefix starts every webhook signing secret shown to admins.
const WebhookSecretPrefix = "whsec_"

// AdminWebhooks lists the endpoints and the latest deliveries (Account
// Owners only: an endpoint receives every audit event).
func (s *Service) AdminWebhooks(ctx context.Context, a Actor, limit int) ([]WebhookEndpoint, []WebhookDelivery, error) {
	if !isOwner(a) {
		return nil, nil, errOwnerOnlyWebhooks
	}
	ws, ok := s.store.(webhookStore)
	if !ok {
		return nil, nil, errNoWebhooks
	}
	eps, err := ws.ListWebhooks(ctx)
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	ds, err := ws.ListWebhookDeliveries(ctx, limit)
	return eps, ds, err
}

// AdminCreateWebhook registers an endpoint and returns it with its signing
// secret, shown this once ("whsec_" and base64 of 32 random bytes; the
// HMAC key is the decoded bytes). The URL must be https, or http to a
// loopback address (a receiver on the same host).
func (s *Service) AdminCreateWebhook(ctx context.Context, a Actor, rawURL string) (WebhookEndpoint, string, error) {
	if !isOwner(a) {
		return WebhookEndpoint{}, "", errOwnerOnlyWebhooks
	}
	u, err := cleanWebhookURL(rawURL)
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return WebhookEndpoint{}, "", err
	}
	e := WebhookEndpoint{URL: u, CreatedAt: s.clock()}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		wt, ok := tx.(webhookTx)
		if !ok {
			return errNoWebhooks
		}
		if err := wt.CreateWebhook(ctx, &e, secret, a.RealID()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditWebhookCreate, 0, "Webhook endpoint "+u+" registered.", 0)
	})
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	return e, WebhookSecretPrefix + base64.StdEncoding.EncodeToString(secret), nil
}

// AdminDeleteWebhook removes an endpoint and its pending deliveries.
func (s *Service) AdminDeleteWebhook(ctx context.Context, a Actor, id int64) error {
	if !isOwner(a) {
		return errOwnerOnlyWebhooks
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		wt, ok := tx.(webhookTx)
		if !ok {
			return errNoWebhooks
		}
		if err := wt.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditWebhookDelete, 0, "Webhook endpoint removed.", 0)
	})
}

// cleanWebhookURL accepts an absolute https URL, or http to loopback,
// without credentials or fragment.
func cleanWebhookURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := FieldError("url", "Enter an https URL, like https://hooks.example.com/gatehouse (http only to localhost).")
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2000 || u.Host == "" || u.User != nil || u.Fragment != "" || hasControl(raw) {
		return "", bad
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", bad
		}
	default:
		return "", bad
	}
	return u.String(), nil
}
