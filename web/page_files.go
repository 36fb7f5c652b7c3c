package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// accountFilesAction is the base URL of the account page's file routes.
const accountFilesAction = "/account/files"

// adminFilesAction is the base URL of the member editor's file routes.
func adminFilesAction(memberID int64) string {
	return "/admin/members/" + strconv.FormatInt(memberID, 10) + "/files"
}

// filesProps loads the member's files for FilesSection, with action as the
// base URL of the upload, download and delete routes.
func (s *server) filesProps(ctx context.Context, a auth.Actor, memberID int64, action string) (views.FilesProps, error) {
	files, err := s.auth.MemberFiles(ctx, a, memberID)
	if err != nil {
		return views.FilesProps{}, err
	}
	p := views.FilesProps{Action: action, MaxAttachments: auth.MaxAttachments, AvatarLimit: "2 MiB", FileLimit: "5 MiB"}
	for _, f := range files {
		row := views.FileRow{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, CreatedAt: f.CreatedAt}
		if f.Kind == auth.FileAvatar {
			p.Avatar = &row
		} else {
			p.Attachments = append(p.Attachments, row)
		}
	}
	return p, nil
}

var errNoFile = auth.FieldError("file", "Choose a file to upload.")

// uploadFile stores the multipart form's file (inputs kind and file) for
// the member. Only those inputs are read; the member comes from the route
// or the session, never from the form.
func (s *server) uploadFile(c *fiber.Ctx, memberID int64) (auth.File, error) {
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		return auth.File{}, errNoFile
	}
	r, err := fh.Open()
	if err != nil {
		return auth.File{}, err
	}
	defer r.Close()
	return s.auth.UploadFile(c.UserContext(), currentActor(c), memberID, form(c, "kind"), fh.Filename, fh.Header.Get(fiber.HeaderContentType), r)
}

// handleAccountFileUpload is POST /account/files: the signed-in member (or
// the member a proxy session acts as) uploads a profile image or an
// attachment. A refused file answers 422 with the reason.
func (s *server) handleAccountFileUpload() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _ := currentMember(c)
		return s.uploadMemberFile(c, m.ID, "/account#files", s.renderAccountFileError)
	}
}

// handleAccountFileDelete is POST /account/files/{id}/delete.
func (s *server) handleAccountFileDelete() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		m, _ := currentMember(c)
		return s.deleteMemberFile(c, m.ID, id, "/account#files")
	}
}

// handleAccountFileDownload is GET /account/files/{id}: one of the signed-in
// member's own files (another member's file is 404).
func (s *server) handleAccountFileDownload() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		m, _ := currentMember(c)
		return s.serveOwnedFile(c, m.ID, id)
	}
}

// handleAdminFileUpload is POST /admin/members/{id}/files.
func (s *server) handleAdminFileUpload() fiber.Handler {
	return func(c *fiber.Ctx) error {
		mid, err := paramID(c, "id")
		if err != nil {
			return err
		}
		return s.uploadMemberFile(c, mid, adminFilesPage(mid), func(c *fiber.Ctx, status int, msg string) error {
			m, err := s.routeMember(c)
			if err != nil {
				return err
			}
			return s.renderAdminMemberWith(c, status, m, msg)
		})
	}
}

// handleAdminFileDelete is POST /admin/members/{id}/files/{fid}/delete.
func (s *server) handleAdminFileDelete() fiber.Handler {
	return func(c *fiber.Ctx) error {
		mid, fid, err := adminFileParams(c)
		if err != nil {
			return err
		}
		return s.deleteMemberFile(c, mid, fid, adminFilesPage(mid))
	}
}

// handleAdminFileDownload is GET /admin/members/{id}/files/{fid}.
func (s *server) handleAdminFileDownload() fiber.Handler {
	return func(c *fiber.Ctx) error {
		mid, fid, err := adminFileParams(c)
		if err != nil {
			return err
		}
		return s.serveOwnedFile(c, mid, fid)
	}
}

// adminFileParams parses the member editor's file routes: the member :id
// and the file :fid (anything but positive integers is 404).
func adminFileParams(c *fiber.Ctx) (memberID, fileID int64, err error) {
	if memberID, err = paramID(c, "id"); err != nil {
		return 0, 0, err
	}
	if fileID, err = paramID(c, "fid"); err != nil {
		return 0, 0, err
	}
	return memberID, fileID, nil
}

// adminFilesPage is where the member editor's file actions go back to.
func adminFilesPage(memberID int64) string {
	return "/admin/members/" + strconv.FormatInt(memberID, 10) + "#files"
}

// uploadMemberFile uploads the form's file for the member, flashes what
// was stored and goes back to the page at back. A refused file re-renders
// the page (through refused) with the reason on the upload form.
func (s *server) uploadMemberFile(c *fiber.Ctx, memberID int64, back string, refused func(c *fiber.Ctx, status int, msg string) error) error {
	f, err := s.uploadFile(c, memberID)
	if err != nil {
		if auth.ErrorCode(err) == auth.EINVALID || auth.ErrorCode(err) == auth.ECONFLICT {
			return refused(c, fiber.StatusUnprocessableEntity, uploadRefusal(err))
		}
		return err
	}
	sess(c).flash(uploadedMessage(f))
	return redirect(c, back)
}

// deleteMemberFile deletes file id of the member (404 when it is not one of
// theirs the actor may see) and goes back to the page at back.
func (s *server) deleteMemberFile(c *fiber.Ctx, memberID, id int64, back string) error {
	a := currentActor(c)
	f, err := s.ownedFile(c.UserContext(), a, memberID, id)
	if err != nil {
		return err
	}
	if err := s.auth.DeleteFile(c.UserContext(), a, f.ID); err != nil {
		return err
	}
	sess(c).flash("The file has been deleted.")
	return redirect(c, back)
}

// ownedFile finds file id among the member's files, as the actor may see
// them; a file of another member is 404 like a missing one.
func (s *server) ownedFile(ctx context.Context, a auth.Actor, memberID, id int64) (auth.File, error) {
	files, err := s.auth.MemberFiles(ctx, a, memberID)
	if err != nil {
		return auth.File{}, err
	}
	for _, f := range files {
		if f.ID == id {
			return f, nil
		}
	}
	return auth.File{}, fiber.ErrNotFound
}

// serveOwnedFile sends file id if it belongs to memberID and the actor may
// open it.
func (s *server) serveOwnedFile(c *fiber.Ctx, memberID, id int64) error {
	f, rc, err := s.auth.OpenFile(c.UserContext(), currentActor(c), id)
	if err != nil {
		return err
	}
	if f.MemberID != memberID {
		rc.Close()
		return fiber.ErrNotFound
	}
	return sendFile(c, f, rc)
}

// uploadRefusal is the one line the upload form shows for a refusal.
func uploadRefusal(err error) string {
	if f := auth.ErrorFields(err); len(f) > 0 {
		for _, k := range []string{"file", "kind", "name"} {
			if msg, ok := f[k]; ok {
				return msg
			}
		}
		for _, msg := range f {
			return msg
		}
	}
	return auth.ErrorMessage(err)
}

func uploadedMessage(f auth.File) string {
	if f.Kind == auth.FileAvatar {
		return "The profile image has been updated."
	}
	return "The file “" + f.Name + "” has been uploaded."
}
