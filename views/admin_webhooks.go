package views

import (
	"context"
	"strconv"

	"gatehouse/internal/auth"
)

// deliveryState says where a delivery stands.
func deliveryState(ctx context.Context, d auth.WebhookDelivery) string {
	switch {
	case d.DeliveredAt != nil:
		return Tf(ctx, "webhooks.delivered", map[string]any{"When": formatTime(ctx, *d.DeliveredAt)})
	case d.DroppedAt != nil:
		return Tf(ctx, "webhooks.given_up", map[string]any{"When": formatTime(ctx, *d.DroppedAt)})
	case d.Attempts == 0:
		return T(ctx, "webhooks.pending")
	}
	return Tf(ctx, "webhooks.retrying", map[string]any{"When": formatTime(ctx, d.NextAttempt)})
}

// deliveryAnswer is the last attempt's HTTP status and error.
func deliveryAnswer(d auth.WebhookDelivery) string {
	switch {
	case d.LastStatus != 0 && d.LastError != "":
		return strconv.Itoa(d.LastStatus) + ": " + d.LastError
	case d.LastStatus != 0:
		return strconv.Itoa(d.LastStatus)
	}
	return d.LastError
}
