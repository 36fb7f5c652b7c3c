package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// pickLimit bounds the member picker's matches; memberAuditLimit the audit
// entries shown on the member page.
const (
	pickLimit        = 20
	memberAuditLimit = 20
)

// editFormOf fills the field form with the stored member.
func editFormOf(m auth.Member) views.MemberEditForm {
	return views.MemberEditForm{Email: m.Email, Username: m.Username, Name: m.Name, FirstName: m.FirstName,
		LastName: m.LastName, Bio: deref(m.Bio), Mobile: m.Mobile}
}

// handleAdminMember renders the member editor page of :id; ?pick=q runs the
// proxy-permission member picker.
func (s *server) handleAdminMember() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, err := s.routeMember(c)
		if err != nil {
			return err
		}
		return s.renderAdminMember(c, fiber.StatusOK, m, editFormOf(m), "")
	}
}

// routeMember loads the member of the route's :id as the admin sees it; a
// malformed id is 404.
func (s *server) routeMember(c *fiber.Ctx) (auth.Member, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return auth.Member{}, err
	}
	return s.auth.AdminGetMember(c.UserContext(), currentActor(c), id)
}

// renderAdminMemberWith renders the member page with a refused upload's
// reason on the upload form.
func (s *server) renderAdminMemberWith(c *fiber.Ctx, status int, m auth.Member, fileErr string) error {
	return s.renderAdminMemberFull(c, status, m, editFormOf(m), "", fileErr)
}

// renderAdminMember renders the member page with the given field form and
// the message of a refused action.
func (s *server) renderAdminMember(c *fiber.Ctx, status int, m auth.Member, edit views.MemberEditForm, actionErr string) error {
	return s.renderAdminMemberFull(c, status, m, edit, actionErr, "")
}

// renderAdminMemberFull is renderAdminMember with the upload form's error.
func (s *server) renderAdminMemberFull(c *fiber.Ctx, status int, m auth.Member, edit views.MemberEditForm, actionErr, fileErr string) error {
	ctx, a := c.UserContext(), currentActor(c)
	groups, err := s.adminGroups(ctx, a)
	if err != nil {
		return err
	}
	grants, err := s.auth.AdminProxyGrants(ctx, a, m.ID)
	if err != nil {
		return err
	}
	names := s.names(ctx, a)
	p := views.AdminMemberProps{Member: m, Edit: edit, ActionError: actionErr, Groups: groups}
	granted := map[int64]bool{m.ID: true}
	for _, g := range grants {
		row := views.ProxyGrantRow{ActorID: g.ActorID, ActorName: names.label(g.ActorID, ""), CreatedAt: g.CreatedAt}
		if am := names.get(g.ActorID); am != nil {
			row.ActorName, row.Email = am.DisplayName(), am.Email
		}
		p.Grants = append(p.Grants, row)
		granted[g.ActorID] = true
		if g.ActorID == a.RealID() {
			p.CanProxy = true
		}
	}
	if c.Context().QueryArgs().Has("pick") {
		p.Pick, p.Picking = query(c, "pick"), true
		page, err := s.auth.AdminListMembers(ctx, a, auth.MemberFilter{Query: p.Pick, Limit: pickLimit})
		if err != nil {
			return err
		}
		for _, x := range page.Members {
			if !granted[x.ID] {
				p.Picked = append(p.Picked, x)
			}
		}
	}
	entries, err := s.auth.AdminAudit(ctx, a, auth.AuditQuery{MemberID: m.ID, Limit: memberAuditLimit})
	if err != nil {
		return err
	}
	p.Audit = names.auditRows(entries)
	files, err := s.filesProps(ctx, a, m.ID, adminFilesAction(m.ID))
	if err != nil {
		return err
	}
	files.Error = fileErr
	p.Files = views.FilesSection(files)
	return s.render(c, status, views.AdminMemberPage(p))
}

// adminActionDone ends a member-page action: a success flashes ok and
// redirects back to the page; a domain refusal re-renders the page with its
// message and status; anything else is an error page.
func (s *server) adminActionDone(c *fiber.Ctx, id int64, err error, ok string) error {
	if err == nil {
		sess(c).flash(ok)
		return redirect(c, views.MemberURL(id))
	}
	if !isFormError(err) {
		return err
	}
	m, gerr := s.auth.AdminGetMember(c.UserContext(), currentActor(c), id)
	if gerr != nil {
		return gerr // the target itself is missing or out of reach: 404
	}
	return s.renderAdminMember(c, statusOf(err), m, editFormOf(m), auth.ErrorMessage(err))
}

// memberAction is the handler of a member-page action on :id (a malformed
// id is 404): act does it and returns the flash of its success, and
// adminActionDone ends it.
func (s *server) memberAction(act func(c *fiber.Ctx, id int64) (ok string, err error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		ok, err := act(c, id)
		return s.adminActionDone(c, id, err, ok)
	}
}

// handleAdminUpdateMember saves the member's fields. Only the seven named
// inputs are read (docs/security.md A3).
func (s *server) handleAdminUpdateMember() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		ctx, a := c.UserContext(), currentActor(c)
		u := auth.MemberUpdate{Email: form(c, "email"), Username: form(c, "username"), Name: form(c, "name"),
			FirstName: form(c, "first_name"), LastName: form(c, "last_name"), Bio: form(c, "bio"), Mobile: form(c, "mobile")}
		_, err = s.auth.AdminUpdateMember(ctx, a, id, u)
		switch auth.ErrorCode(err) {
		case "":
			sess(c).flash("The member's details have been saved.")
			return redirect(c, views.MemberURL(id))
		case auth.EINVALID, auth.ECONFLICT:
			m, gerr := s.auth.AdminGetMember(ctx, a, id)
			if gerr != nil {
				return gerr
			}
			edit := views.MemberEditForm{Email: u.Email, Username: u.Username, Name: u.Name, FirstName: u.FirstName,
				LastName: u.LastName, Bio: u.Bio, Mobile: u.Mobile, Errors: fieldsOrForm(err)}
			return s.renderAdminMember(c, fiber.StatusUnprocessableEntity, m, edit, "")
		}
		return s.adminActionDone(c, id, err, "")
	}
}

// handleAdminSetStatus suspends (ending every session) or reactivates.
func (s *server) handleAdminSetStatus() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		st := auth.Status(form(c, "status"))
		if st != auth.StatusSuspended && st != auth.StatusActive {
			return "", auth.Errorf(auth.EINVALID, "Choose suspend or reactivate.")
		}
		err := s.auth.AdminSetStatus(c.UserContext(), currentActor(c), id, st)
		if st == auth.StatusSuspended {
			return "The member has been suspended and signed out everywhere.", err
		}
		return "The member has been reactivated.", err
	})
}

// handleAdminSendReset mails the member a password reset link.
func (s *server) handleAdminSendReset() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		err := s.auth.AdminSendReset(c.UserContext(), currentActor(c), id)
		return "A password reset link is on its way to the member.", err
	})
}

// handleAdminEndSessions signs the member out everywhere.
func (s *server) handleAdminEndSessions() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		n, err := s.auth.AdminEndSessions(c.UserContext(), currentActor(c), id)
		if n == 1 {
			return "Ended 1 session.", err
		}
		return fmt.Sprintf("Ended %d sessions.", n), err
	})
}

// handleAdminSetRoles replaces the member's roles with the checked boxes of
// the group × role table.
func (s *server) handleAdminSetRoles() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		err := s.auth.AdminSetRoles(c.UserContext(), currentActor(c), id, formGrants(c))
		return "The member's roles have been saved.", err
	})
}

// handleAdminGrantProxy allows the member actor_id to log in as :id.
func (s *server) handleAdminGrantProxy() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		actor := formInt(c, "actor_id")
		if actor <= 0 {
			return "", auth.Errorf(auth.EINVALID, "Choose a member to allow.")
		}
		_, err := s.auth.AdminGrantProxy(c.UserContext(), currentActor(c), id, actor)
		return "The member may now log in as this member.", err
	})
}

// handleAdminRevokeProxy removes :actor from :id's permission list, ending
// their running proxy sessions.
func (s *server) handleAdminRevokeProxy() fiber.Handler {
	return s.memberAction(func(c *fiber.Ctx, id int64) (string, error) {
		actor, err := paramID(c, "actor")
		if err != nil {
			return "", err // not a form error: adminActionDone returns it (404)
		}
		err = s.auth.AdminRevokeProxy(c.UserContext(), currentActor(c), id, actor)
		return "The permission has been removed.", err
	})
}

// handleAdminDeleteConfirm asks "are you sure?" before deleting.
func (s *server) handleAdminDeleteConfirm() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, err := s.routeMember(c)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.AdminDeletePage(views.AdminDeleteProps{Member: m}))
	}
}

// handleAdminDelete deletes the member once confirmed (confirm=yes, posted
// by the confirmation page); without it, it shows the confirmation page.
func (s *server) handleAdminDelete() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, err := s.routeMember(c)
		if err != nil {
			return err
		}
		if c.FormValue("confirm") != "yes" {
			return redirect(c, views.MemberURL(m.ID)+"/delete")
		}
		err = s.auth.AdminDeleteMember(c.UserContext(), currentActor(c), m.ID)
		if err == nil {
			sess(c).flash("Member " + m.Email + " has been deleted.")
			return redirect(c, "/admin/members")
		}
		if !isFormError(err) {
			return err
		}
		return s.render(c, statusOf(err), views.AdminDeletePage(views.AdminDeleteProps{Member: m, Error: auth.ErrorMessage(err)}))
	}
}
