package storetest

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// TestWebhookDeliveriesFollowAudit: the trigger of 0009_webhooks.sql gives
// every endpoint one delivery per audit entry, in the entry's transaction
// (a rolled-back entry leaves none); claims lease them with the opened
// secret; outcomes are recorded; removing the endpoint removes them.
func testWebhookDeliveriesFollowAudit(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	if evs, err := s.ClaimDueWebhooks(ctx, t0, time.Minute, 10); err != nil || len(evs) != 0 {
		t.Fatalf("nothing registered: %v %v", evs, err)
	}
	ep := auth.WebhookEndpoint{URL: "https://hooks.example.com/a", CreatedAt: t0}
	secret := []byte("0123456789abcdef0123456789abcdef")
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.(interface {
			CreateWebhook(context.Context, *auth.WebhookEndpoint, []byte, int64) error
		}).CreateWebhook(ctx, &ep, secret, 0)
	})
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.AddAudit(ctx, &auth.AuditEntry{At: t0, Action: auth.AuditGroupCreate, Detail: "Group A created."})
	})
	if err := s.Update(ctx, func(tx auth.Tx) error {
		if err := tx.AddAudit(ctx, &auth.AuditEntry{At: t0, Action: auth.AuditGroupDelete}); err != nil {
			return err
		}
		return &auth.Error{Code: auth.EINVALID, Message: "roll back"}
	}); err == nil {
		t.Fatal("no rollback")
	}
	evs, err := s.ClaimDueWebhooks(ctx, t0, time.Minute, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %+v %v", evs, err)
	}
	ev := evs[0]
	if ev.URL != ep.URL || string(ev.Secret) != string(secret) || ev.Entry.Action != auth.AuditGroupCreate || ev.Entry.Detail != "Group A created." {
		t.Fatalf("claimed %+v", ev)
	}
	if again, _ := s.ClaimDueWebhooks(ctx, t0, time.Minute, 10); len(again) != 0 {
		t.Fatal("a leased delivery was claimed twice")
	}
	if err := s.MarkWebhookRetry(ctx, ev.DeliveryID, t0.Add(time.Second), 503, "answered 503"); err != nil {
		t.Fatal(err)
	}
	evs, _ = s.ClaimDueWebhooks(ctx, t0.Add(time.Second), time.Minute, 10)
	if len(evs) != 1 || evs[0].Attempts != 1 {
		t.Fatalf("retry not due again: %+v", evs)
	}
	if err := s.MarkWebhookDelivered(ctx, ev.DeliveryID, t0.Add(2*time.Second), 204); err != nil {
		t.Fatal(err)
	}
	ds, err := s.(interface {
		ListWebhookDeliveries(context.Context, int) ([]auth.WebhookDelivery, error)
	}).ListWebhookDeliveries(ctx, 10)
	if err != nil || len(ds) != 1 || ds[0].DeliveredAt == nil || ds[0].Attempts != 2 || ds[0].LastStatus != 204 || ds[0].Action != auth.AuditGroupCreate {
		t.Fatalf("deliveries: %+v %v", ds, err)
	}
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.(interface {
			DeleteWebhook(context.Context, int64) error
		}).DeleteWebhook(ctx, ep.ID)
	})
	if n := count(t, s, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Fatalf("%d deliveries outlive their endpoint", n)
	}
}
