package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
)

// appsProps is the account page's "Apps you allowed" section. A failure
// to list them leaves the section out rather than the whole page.
func (s *server) appsProps(c *fiber.Ctx) views.AppsProps {
	m, _ := currentMember(c)
	list, err := s.auth.OIDCConsents(c.UserContext(), m.ID)
	if err != nil {
		s.log.Error("listing consents", "request_id", reqID(c), "err", err.Error())
		return views.AppsProps{}
	}
	rows := make([]views.AppRow, 0, len(list))
	for _, k := range list {
		rows = append(rows, views.AppRow{ClientID: k.ClientID, Name: k.ClientName, Scopes: k.Scopes, CreatedAt: k.CreatedAt})
	}
	return views.AppsProps{Rows: rows, Proxied: currentActor(c).Proxied()}
}

// handleAppRevoke withdraws the member's consent to an app (POST
// /account/apps/{client_id}/revoke; refused in a proxy session).
func (s *server) handleAppRevoke() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _ := currentMember(c)
		if err := s.auth.RevokeOIDCConsent(c.UserContext(), m.ID, c.Params("client")); err != nil {
			return err
		}
		sess(c).flash("The app will ask again the next time it signs you in.")
		return redirect(c, "/account#apps")
	}
}
