package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
)

// webhookDeliveriesShown is how many of the latest deliveries the page lists.
const webhookDeliveriesShown = 50

// renderWebhooks renders the page with p's form state and the current
// endpoints and deliveries.
func (s *server) renderWebhooks(c *fiber.Ctx, status int, p views.AdminWebhooksProps) error {
	eps, ds, err := s.auth.AdminWebhooks(c.UserContext(), currentActor(c), webhookDeliveriesShown)
	if err != nil {
		return err
	}
	p.Endpoints, p.Deliveries = eps, ds
	return s.render(c, status, views.AdminWebhooksPage(p))
}

// handleAdminWebhooks lists endpoints and deliveries (Account Owners).
func (s *server) handleAdminWebhooks() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.renderWebhooks(c, fiber.StatusOK, views.AdminWebhooksProps{})
	}
}

// handleAdminCreateWebhook registers an endpoint and answers with the page
// showing its signing secret this once (no redirect: the secret must not
// travel through the session).
func (s *server) handleAdminCreateWebhook() fiber.Handler {
	return func(c *fiber.Ctx) error {
		url := form(c, "url")
		e, secret, err := s.auth.AdminCreateWebhook(c.UserContext(), currentActor(c), url)
		if err != nil {
			if !isFormError(err) {
				return err
			}
			return s.renderWebhooks(c, statusOf(err), views.AdminWebhooksProps{URL: url, Errors: fieldsOrForm(err)})
		}
		return s.renderWebhooks(c, fiber.StatusCreated, views.AdminWebhooksProps{NewURL: e.URL, Secret: secret})
	}
}

// handleAdminDeleteWebhook removes an endpoint and its pending deliveries.
func (s *server) handleAdminDeleteWebhook() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if err := s.auth.AdminDeleteWebhook(c.UserContext(), currentActor(c), id); err != nil {
			return err
		}
		sess(c).flash("The endpoint has been removed.")
		return redirect(c, "/admin/webhooks")
	}
}
