package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// memberPageSize is the member list's page length.
const memberPageSize = 50

// handleAdminMembers renders the member list: search (q), filters (status,
// role, group), sort and dir, and keyset pagination through the opaque
// "after" cursor. Unknown filter values are dropped, not errors.
func (s *server) handleAdminMembers() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, a := c.UserContext(), currentActor(c)
		f := views.MemberListFilter{Query: query(c, "q"), Status: query(c, "status"), Role: query(c, "role"),
			Group: query(c, "group"), Sort: query(c, "sort"), Dir: query(c, "dir")}
		mf := auth.MemberFilter{Query: f.Query, After: query(c, "after"), Limit: memberPageSize}
		if st := auth.Status(f.Status); st.Valid() {
			mf.Status = st
		} else {
			f.Status = ""
		}
		if r, err := strconv.ParseInt(f.Role, 10, 64); err == nil && auth.RoleID(r).Label() != "Unknown" {
			mf.Role = auth.RoleID(r)
		} else {
			f.Role = ""
		}
		if g, err := strconv.ParseInt(f.Group, 10, 64); err == nil && g > 0 {
			mf.Group = g
		} else {
			f.Group = ""
		}
		switch f.Sort {
		case auth.SortID, auth.SortEmail, auth.SortName, auth.SortCreated:
			mf.Sort = f.Sort
		default:
			f.Sort = ""
		}
		if f.Dir != "desc" {
			f.Dir = ""
		}
		mf.Desc = f.Dir == "desc"

		page, err := s.auth.AdminListMembers(ctx, a, mf)
		if err != nil {
			return err
		}
		groups, err := s.adminGroups(ctx, a)
		if err != nil {
			return err
		}
		p := views.AdminMembersProps{Filter: f, Members: page.Members, Groups: groups}
		if page.Next != "" {
			v := f.Values()
			v.Set("after", page.Next)
			p.NextURL = "/admin/members?" + v.Encode()
		}
		if mf.After != "" {
			p.FirstURL = "/admin/members"
			if v := f.Values(); len(v) > 0 {
				p.FirstURL += "?" + v.Encode()
			}
		}
		return s.render(c, fiber.StatusOK, views.AdminMembersPage(p))
	}
}

// handleAdminNewMember renders the new-member form; the role table starts
// with Maker in the root group.
func (s *server) handleAdminNewMember() fiber.Handler {
	return func(c *fiber.Ctx) error {
		groups, err := s.adminGroups(c.UserContext(), currentActor(c))
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.AdminNewMemberPage(views.AdminNewMemberProps{
			Groups: groups, Grants: []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}},
		}))
	}
}

// handleAdminCreateMember creates a member with a temporary password, or by
// invitation when the password is empty. Only the named inputs are read
// (docs/security.md A3): anything else in the form is ignored.
func (s *server) handleAdminCreateMember() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, a := c.UserContext(), currentActor(c)
		in := auth.AdminCreateInput{Email: form(c, "email"), Name: form(c, "name"), Username: form(c, "username"),
			Password: form(c, "password"), Roles: formGrants(c)}
		m, err := s.auth.AdminCreateMember(ctx, a, in)
		if err == nil {
			msg := "Member created. An invitation email is on its way."
			if in.Password != "" {
				msg = "Member created with a temporary password; they must replace it at first sign-in."
			}
			sess(c).flash(msg)
			return redirect(c, views.MemberURL(m.ID))
		}
		if !isFormError(err) {
			return err
		}
		groups, gerr := s.adminGroups(ctx, a)
		if gerr != nil {
			return gerr
		}
		status := statusOf(err)
		if auth.ErrorCode(err) == auth.ECONFLICT {
			status = fiber.StatusUnprocessableEntity
		}
		return s.render(c, status, views.AdminNewMemberPage(views.AdminNewMemberProps{
			Email: in.Email, Name: in.Name, Username: in.Username, Grants: in.Roles, Groups: groups, Errors: fieldsOrForm(err),
		}))
	}
}
