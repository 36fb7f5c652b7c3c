package auth_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// Sample file contents, recognised by their leading bytes.
var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	gifBytes  = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	htmlBytes = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	textBytes = []byte("just some notes\nsecond line\n")
)

// officeDoc builds a minimal OOXML-shaped ZIP whose first entry is
// [Content_Types].xml.
func officeDoc(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, "<?xml version=\"1.0\"?><x/>")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// actor is a member acting in their own session.
func actor(t *testing.T, e *authtest.Env, email string) auth.Actor {
	t.Helper()
	m, sess, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: email, Password: pw, Via: auth.ViaPage, Meta: auth.ClientMeta{IP: "192.0.2.1", UserAgent: "test"}})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return auth.Actor{Member: m, Session: sess, Meta: auth.ClientMeta{IP: "192.0.2.1", UserAgent: "test"}}
}

func upload(t *testing.T, e *authtest.Env, a auth.Actor, member int64, kind, name string, body []byte) auth.File {
	t.Helper()
	f, err := e.Svc.UploadFile(ctx, a, member, kind, name, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("upload %s %q: %v", kind, name, err)
	}
	return f
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":                 "report.pdf",
		"../../etc/passwd":           "passwd",
		`C:\Users\ann\cv.docx`:       "cv.docx",
		"  two   words\t here .txt ": "two words here .txt",
		"quo\"te's`.png":             "quotes.png",
		"new\nline\r\x00.txt":        "newline.txt",
		"evil\u202egnp.exe":          "evilgnp.exe",
		"":                           "file",
		"..":                         "file",
		"/":                          "file",
		"a;b<c>d|e?*:.txt":           "abcde.txt",
		"\xff\xfebad.txt":            "bad.txt",
	} {
		if got := auth.SafeFileName(in); got != want {
			t.Errorf("SafeFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := auth.SafeFileName(strings.Repeat("é", 300) + ".pdf")
	if n := len([]rune(long)); n != 100 || !strings.HasSuffix(long, ".pdf") {
		t.Errorf("long name: %d runes, %q", n, long)
	}
}

func TestUploadSniffsTheType(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	a := actor(t, e, "ann@example.com")

	// HTML named .png, declared image/png: refused, whatever the name says.
	_, err := e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAttachment, "cat.png", "image/png", bytes.NewReader(htmlBytes))
	if code(err) != auth.EINVALID || auth.ErrorFields(err)["file"] == "" {
		t.Fatalf("html as png: %v", err)
	}
	_, err = e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAvatar, "cat.png", "image/png", bytes.NewReader(htmlBytes))
	if code(err) != auth.EINVALID {
		t.Fatalf("html as avatar: %v", err)
	}
	// A PDF named evil.html: stored as a PDF with a name that ends in .pdf.
	f := upload(t, e, a, ann.ID, auth.FileAttachment, "../evil.html", pdfBytes)
	if f.ContentType != "application/pdf" || f.Name != "evil.html.pdf" || f.Size != int64(len(pdfBytes)) {
		t.Fatalf("pdf as html: %+v", f)
	}
	if strings.Contains(f.StorageKey, "evil") || len(f.StorageKey) != 32 {
		t.Fatalf("storage key %q", f.StorageKey)
	}
	for _, tc := range []struct {
		kind, name string
		body       []byte
		ctype      string
		stored     string
	}{
		{auth.FileAvatar, "me.png", pngBytes, "image/png", "me.png"},
		{auth.FileAvatar, "me.jpeg", jpegBytes, "image/jpeg", "me.jpeg"},
		{auth.FileAvatar, "me", gifBytes, "image/gif", "me.gif"},
		{auth.FileAvatar, "me.webp", webpBytes, "image/webp", "me.webp"},
		{auth.FileAttachment, "notes.txt", textBytes, "text/plain; charset=utf-8", "notes.txt"},
		{auth.FileAttachment, "cv.docx", officeDoc(t), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "cv.docx"},
		{auth.FileAttachment, "sheet.xlsx", officeDoc(t), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "sheet.xlsx"},
		{auth.FileAttachment, "bundle.docx.zip", officeDoc(t), "application/zip", "bundle.docx.zip"},
		{auth.FileAttachment, "photo.jpg", pngBytes, "image/png", "photo.jpg.png"},
	} {
		f := upload(t, e, a, ann.ID, tc.kind, tc.name, tc.body)
		if f.ContentType != tc.ctype || f.Name != tc.stored {
			t.Errorf("%s %q: stored %q as %q", tc.kind, tc.name, f.Name, f.ContentType)
		}
		_, rc, err := e.Svc.OpenFile(ctx, a, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, rc); !bytes.Equal(got, tc.body) {
			t.Errorf("%q: read back %d bytes", tc.name, len(got))
		}
	}
	// A ZIP that is not an office document does not become one by its name.
	var plain bytes.Buffer
	w := zip.NewWriter(&plain)
	fw, _ := w.Create("readme.txt")
	io.WriteString(fw, "hi")
	w.Close()
	if f := upload(t, e, a, ann.ID, auth.FileAttachment, "fake.docx", plain.Bytes()); f.ContentType != "application/zip" || f.Name != "fake.docx.zip" {
		t.Errorf("plain zip named docx: %+v", f)
	}
	// Avatars take images only.
	for name, body := range map[string][]byte{"cv.pdf": pdfBytes, "a.txt": textBytes, "a.docx": officeDoc(t)} {
		if _, err := e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAvatar, name, "image/png", bytes.NewReader(body)); code(err) != auth.EINVALID {
			t.Errorf("avatar %s: %v", name, err)
		}
	}
}

func TestUploadLimits(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	a := actor(t, e, "ann@example.com")
	pad := func(head []byte, n int) []byte {
		return append(append([]byte{}, head...), make([]byte, n-len(head))...)
	}

	upload(t, e, a, ann.ID, auth.FileAvatar, "max.png", pad(pngBytes, auth.MaxAvatarSize))
	_, err := e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAvatar, "big.png", "", bytes.NewReader(pad(pngBytes, auth.MaxAvatarSize+1)))
	if code(err) != auth.EINVALID || !strings.Contains(auth.ErrorMessage(err), "too large") {
		t.Fatalf("avatar over 2 MiB: %v", err)
	}
	upload(t, e, a, ann.ID, auth.FileAttachment, "max.pdf", pad(pdfBytes, auth.MaxAttachmentSize))
	_, err = e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAttachment, "big.pdf", "", bytes.NewReader(pad(pdfBytes, auth.MaxAttachmentSize+1)))
	if code(err) != auth.EINVALID || !strings.Contains(auth.ErrorMessage(err), "too large") {
		t.Fatalf("attachment over 5 MiB: %v", err)
	}
	if _, err := e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAttachment, "empty.txt", "", bytes.NewReader(nil)); code(err) != auth.EINVALID {
		t.Fatalf("empty: %v", err)
	}
	if _, err := e.Svc.UploadFile(ctx, a, ann.ID, "script", "x.txt", "", bytes.NewReader(textBytes)); code(err) != auth.EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
	for i := 1; i < auth.MaxAttachments; i++ {
		upload(t, e, a, ann.ID, auth.FileAttachment, "n.txt", textBytes)
	}
	_, err = e.Svc.UploadFile(ctx, a, ann.ID, auth.FileAttachment, "one-too-many.txt", "", bytes.NewReader(textBytes))
	if code(err) != auth.EINVALID {
		t.Fatalf("attachment %d: %v", auth.MaxAttachments+1, err)
	}
	files, err := e.Svc.MemberFiles(ctx, a, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != auth.MaxAttachments+1 { // 20 attachments and the avatar
		t.Fatalf("%d files", len(files))
	}
	// The avatar does not count against the attachments.
	upload(t, e, a, ann.ID, auth.FileAvatar, "again.gif", gifBytes)
}

func TestAvatarIsReplaced(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	a := actor(t, e, "ann@example.com")
	old := upload(t, e, a, ann.ID, auth.FileAvatar, "old.png", pngBytes)
	att := upload(t, e, a, ann.ID, auth.FileAttachment, "keep.pdf", pdfBytes)
	cur := upload(t, e, a, ann.ID, auth.FileAvatar, "new.gif", gifBytes)
	files, err := e.Svc.MemberFiles(ctx, a, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, f := range files {
		ids[f.ID] = true
	}
	if len(files) != 2 || !ids[cur.ID] || !ids[att.ID] {
		t.Fatalf("files after replacing the avatar: %+v", files)
	}
	if _, _, err := e.Svc.OpenFile(ctx, a, old.ID); code(err) != auth.ENOTFOUND {
		t.Fatalf("old avatar: %v", err)
	}
	// Deleting removes the row and the bytes.
	if err := e.Svc.DeleteFile(ctx, a, cur.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.OpenFile(ctx, a, cur.ID); code(err) != auth.ENOTFOUND {
		t.Fatalf("deleted avatar: %v", err)
	}
	if err := e.Svc.DeleteFile(ctx, a, cur.ID); code(err) != auth.ENOTFOUND {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestFileAccessRules(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	bob := e.Member(t, "bob@example.com", pw)
	if _, err := e.Svc.CreateMember(ctx, auth.CreateMemberInput{Email: "root@example.com", Password: pw, Name: "Root", Role: auth.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	annA, bobA, rootA := actor(t, e, "ann@example.com"), actor(t, e, "bob@example.com"), actor(t, e, "root@example.com")
	f := upload(t, e, annA, ann.ID, auth.FileAttachment, "ann.pdf", pdfBytes)
	bobFile := upload(t, e, bobA, bob.ID, auth.FileAttachment, "bob.txt", textBytes)

	// Another member: everything is ENOTFOUND, like a file that does not exist.
	if _, _, err := e.Svc.OpenFile(ctx, bobA, f.ID); code(err) != auth.ENOTFOUND {
		t.Errorf("bob opens ann's file: %v", err)
	}
	if _, _, err := e.Svc.OpenFile(ctx, bobA, 999999); code(err) != auth.ENOTFOUND {
		t.Errorf("missing file: %v", err)
	}
	if _, err := e.Svc.MemberFiles(ctx, bobA, ann.ID); code(err) != auth.ENOTFOUND {
		t.Errorf("bob lists ann's files: %v", err)
	}
	if err := e.Svc.DeleteFile(ctx, bobA, f.ID); code(err) != auth.ENOTFOUND {
		t.Errorf("bob deletes ann's file: %v", err)
	}
	if _, err := e.Svc.UploadFile(ctx, bobA, ann.ID, auth.FileAvatar, "x.png", "", bytes.NewReader(pngBytes)); code(err) != auth.ENOTFOUND {
		t.Errorf("bob uploads for ann: %v", err)
	}
	// The admin (Account Owner in the root group) manages anyone's files.
	_, rc, err := e.Svc.OpenFile(ctx, rootA, f.ID)
	if err != nil {
		t.Fatalf("admin opens: %v", err)
	}
	if !bytes.Equal(readAll(t, rc), pdfBytes) {
		t.Error("admin read other bytes")
	}
	if list, err := e.Svc.MemberFiles(ctx, rootA, ann.ID); err != nil || len(list) != 1 {
		t.Errorf("admin lists: %v %v", list, err)
	}
	byAdmin := upload(t, e, rootA, ann.ID, auth.FileAvatar, "set-by-admin.png", pngBytes)
	if byAdmin.MemberID != ann.ID {
		t.Errorf("admin upload belongs to %d", byAdmin.MemberID)
	}
	if err := e.Svc.DeleteFile(ctx, rootA, byAdmin.ID); err != nil {
		t.Errorf("admin deletes: %v", err)
	}
	if _, err := e.Svc.UploadFile(ctx, rootA, 999999, auth.FileAvatar, "x.png", "", bytes.NewReader(pngBytes)); code(err) != auth.ENOTFOUND {
		t.Errorf("upload for a missing member: %v", err)
	}
	// A proxy session: root acting as bob reaches bob's files (they are
	// bob's session), but not ann's, although root is an admin (X3).
	proxy := auth.Actor{Member: bob, Session: auth.Session{ID: bobA.Session.ID, MemberID: bob.ID, ActorID: rootA.Member.ID}, Meta: rootA.Meta}
	if _, rc, err := e.Svc.OpenFile(ctx, proxy, bobFile.ID); err != nil {
		t.Errorf("proxy opens the target's file: %v", err)
	} else {
		rc.Close()
	}
	pf := upload(t, e, proxy, bob.ID, auth.FileAvatar, "p.png", pngBytes)
	if _, _, err := e.Svc.OpenFile(ctx, proxy, f.ID); code(err) != auth.ENOTFOUND {
		t.Errorf("proxy opens a third member's file: %v", err)
	}
	if _, err := e.Svc.MemberFiles(ctx, proxy, ann.ID); code(err) != auth.ENOTFOUND {
		t.Errorf("proxy lists a third member's files: %v", err)
	}
	// Uploads and deletions are audited with the real actor.
	entries, err := e.Store.ListAudit(ctx, auth.AuditQuery{Action: "file.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var sawProxy, sawAdminDelete bool
	for _, x := range entries {
		if x.Action == auth.AuditFileUpload && x.SubjectID == bob.ID && x.ActorID == rootA.Member.ID && strings.Contains(x.Detail, pf.Name) {
			sawProxy = true
		}
		if x.Action == auth.AuditFileDelete && x.SubjectID == ann.ID && x.ActorID == rootA.Member.ID {
			sawAdminDelete = true
		}
	}
	if !sawProxy || !sawAdminDelete {
		t.Errorf("audit: proxy upload %v, admin delete %v in %+v", sawProxy, sawAdminDelete, entries)
	}
}

func TestOpenFileWithToken(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	bob := e.Member(t, "bob@example.com", pw)
	annA, bobA := actor(t, e, "ann@example.com"), actor(t, e, "bob@example.com")
	f := upload(t, e, annA, ann.ID, auth.FileAttachment, "ann.pdf", pdfBytes)
	bobFile := upload(t, e, bobA, bob.ID, auth.FileAttachment, "bob.txt", textBytes)

	tok := login(t, e, auth.ViaKuroco, "ann@example.com")
	g, err := e.Svc.FileAccessToken(ctx, tok.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, rc, err := e.Svc.OpenFileWithToken(ctx, g.Token, f.ID)
	if err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if got.ID != f.ID || !bytes.Equal(readAll(t, rc), pdfBytes) {
		t.Fatalf("opened %+v", got)
	}
	// Only the token member's files.
	if _, _, err := e.Svc.OpenFileWithToken(ctx, g.Token, bobFile.ID); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("bob's file with ann's token: %v", err)
	}
	if _, _, err := e.Svc.OpenFileWithToken(ctx, g.Token, 999999); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("missing file: %v", err)
	}
	// An access token is not a file token, and a file token is not an
	// access token.
	for _, bad := range []string{"", "nope", tok.Access, tok.Refresh, strings.Repeat("a", 1000)} {
		if _, _, err := e.Svc.OpenFileWithToken(ctx, bad, f.ID); code(err) != auth.EUNAUTHORIZED {
			t.Errorf("token %.12q: %v", bad, err)
		}
	}
	if _, _, err := e.Svc.AuthenticateToken(ctx, g.Token); err == nil {
		t.Error("a file token authenticated as an access token")
	}
	// Expired after 300 s: refused with the same answer.
	e.Clock.Advance(301 * time.Second)
	if _, _, err := e.Svc.OpenFileWithToken(ctx, g.Token, f.ID); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("expired token: %v", err)
	}
	// A token of a session that ends dies with it.
	g2, err := e.Svc.FileAccessToken(ctx, tok.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.LogoutToken(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.OpenFileWithToken(ctx, g2.Token, f.ID); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("token of an ended session: %v", err)
	}
}

// TestDeletingAMemberRemovesTheirFiles: the rows go with the member, and
// the bytes leave the disk once the delete is committed.
func TestDeletingAMemberRemovesTheirFiles(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "gone@example.com", pw)
	m, err := e.Store.MemberByLogin(ctx, "gone@example.com")
	if err != nil {
		t.Fatal(err)
	}
	f := upload(t, e, actor(t, e, "gone@example.com"), m.ID, auth.FileAttachment, "notes.txt", textBytes)
	path := filepath.Join(filepath.Dir(e.DBPath), "files", f.StorageKey[:2], f.StorageKey)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("stored file not on disk at %s: %v", path, err)
	}
	if err := e.Svc.AdminDeleteMember(ctx, auth.Actor{CLI: true}, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file bytes still on disk after the member was deleted: %v", err)
	}
}
