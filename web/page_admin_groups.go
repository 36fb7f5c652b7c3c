package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleAdminGroups renders the group tree and its forms.
func (s *server) handleAdminGroups() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.renderGroups(c, fiber.StatusOK, views.GroupForm{}, views.GroupForm{})
	}
}

// renderGroups renders the groups page with the create form's and one row
// form's state after a refusal.
func (s *server) renderGroups(c *fiber.Ctx, status int, create, edit views.GroupForm) error {
	groups, err := s.adminGroups(c.UserContext(), currentActor(c))
	if err != nil {
		return err
	}
	return s.render(c, status, views.AdminGroupsPage(views.AdminGroupsProps{Groups: groups, Create: create, Edit: edit}))
}

// groupDone ends a group action: success flashes and redirects to the page;
// a refusal re-renders it with the message on the form concerned.
func (s *server) groupDone(c *fiber.Ctx, err error, ok string, create, edit views.GroupForm) error {
	if err == nil {
		sess(c).flash(ok)
		return redirect(c, "/admin/groups")
	}
	if !isFormError(err) {
		return err
	}
	status := statusOf(err)
	if auth.ErrorCode(err) == auth.ECONFLICT {
		status = fiber.StatusUnprocessableEntity
	}
	if edit.ID != 0 {
		edit.Errors = fieldsOrForm(err)
	} else {
		create.Errors = fieldsOrForm(err)
	}
	return s.renderGroups(c, status, create, edit)
}

// handleAdminCreateGroup creates a group under parent (the root by default).
func (s *server) handleAdminCreateGroup() fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := views.GroupForm{Name: form(c, "name"), Parent: formInt(c, "parent")}
		if f.Parent == 0 {
			f.Parent = auth.RootGroup
		}
		_, err := s.auth.AdminCreateGroup(c.UserContext(), currentActor(c), f.Name, f.Parent)
		return s.groupDone(c, err, "The group has been created.", f, views.GroupForm{})
	}
}

// handleAdminUpdateGroup renames and/or moves a group. A form without a
// parent (the root's) keeps the current parent.
func (s *server) handleAdminUpdateGroup() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		ctx, a := c.UserContext(), currentActor(c)
		f := views.GroupForm{ID: id, Name: form(c, "name"), Parent: formInt(c, "parent")}
		if c.FormValue("parent") == "" {
			groups, err := s.auth.Groups(ctx, a)
			if err != nil {
				return err
			}
			found := false
			for _, g := range groups {
				if g.ID == id {
					f.Parent, found = g.ParentID, true
				}
			}
			if !found {
				return fiber.ErrNotFound
			}
		}
		_, err = s.auth.AdminUpdateGroup(ctx, a, id, f.Name, f.Parent)
		return s.groupDone(c, err, "The group has been saved.", views.GroupForm{}, f)
	}
}

// handleAdminDeleteGroupConfirm asks before deleting a group.
func (s *server) handleAdminDeleteGroupConfirm() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		groups, err := s.auth.Groups(c.UserContext(), currentActor(c))
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.ID == id && g.ParentID != 0 {
				return s.render(c, fiber.StatusOK, views.AdminGroupDeletePage(g))
			}
		}
		return fiber.ErrNotFound
	}
}

// handleAdminDeleteGroup deletes an empty group (no children, no members)
// once confirmed (confirm=yes, posted by the confirmation page); without
// it, it shows the confirmation page.
func (s *server) handleAdminDeleteGroup() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if c.FormValue("confirm") != "yes" {
			return redirect(c, "/admin/groups/"+strconv.FormatInt(id, 10)+"/delete")
		}
		err = s.auth.AdminDeleteGroup(c.UserContext(), currentActor(c), id)
		if auth.ErrorCode(err) == auth.ENOTFOUND {
			return err
		}
		return s.groupDone(c, err, "The group has been deleted.", views.GroupForm{}, views.GroupForm{ID: id})
	}
}
