package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// renderClients renders the apps page with p's form state and the current
// clients.
func (s *server) renderClients(c *fiber.Ctx, status int, p views.AdminClientsProps) error {
	list, err := s.auth.AdminClients(c.UserContext(), currentActor(c))
	if err != nil {
		return err
	}
	p.Clients = list
	return s.render(c, status, views.AdminClientsPage(p))
}

// handleAdminClients lists the OpenID Provider's clients (Account Owners).
func (s *server) handleAdminClients() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.renderClients(c, fiber.StatusOK, views.AdminClientsProps{})
	}
}

// handleAdminCreateClient registers a client and answers with the page
// showing its secret this once (no redirect: the secret must not travel
// through the session).
func (s *server) handleAdminCreateClient() fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := views.ClientForm{Name: form(c, "name"), RedirectURIs: form(c, "redirect-uri"),
			Public: c.FormValue("public") == "1", FirstParty: c.FormValue("first_party") == "1", RefuseProxy: c.FormValue("refuse_proxy") == "1"}
		uris := strings.Fields(f.RedirectURIs)
		cl, secret, err := s.auth.AdminCreateClient(c.UserContext(), currentActor(c), auth.ClientInput{Name: f.Name, RedirectURIs: uris,
			Public: f.Public, FirstParty: f.FirstParty, RefuseProxy: f.RefuseProxy})
		if err != nil {
			if !isFormError(err) {
				return err
			}
			return s.renderClients(c, statusOf(err), views.AdminClientsProps{Form: f, Errors: fieldsOrForm(err)})
		}
		return s.renderClients(c, fiber.StatusCreated, views.AdminClientsProps{New: &cl, Secret: secret})
	}
}

// handleAdminDeleteClient deletes a client: its tokens end with it.
func (s *server) handleAdminDeleteClient() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.auth.AdminDeleteClient(c.UserContext(), currentActor(c), c.Params("client")); err != nil {
			return err
		}
		sess(c).flash("The app has been deleted; its tokens no longer work.")
		return redirect(c, "/admin/clients")
	}
}
