package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

var (
	pdfFile  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	pngFile  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	htmlFile = []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>")
)

// multipartBody builds an upload form; csrf "" leaves the token out.
func multipartBody(t *testing.T, csrf, kind, name string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		w.WriteField("_csrf", csrf)
	}
	w.WriteField("kind", kind)
	w.WriteField("member_id", "1") // ignored: the member comes from the session or the route
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// upload posts a multipart upload to action with the CSRF token of page.
func (b *browser) upload(page, action, kind, name string, content []byte) *response {
	b.e.t.Helper()
	return b.uploadRaw(action, b.csrf(page), kind, name, content)
}

func (b *browser) uploadRaw(action, csrf, kind, name string, content []byte) *response {
	b.e.t.Helper()
	body, ctype := multipartBody(b.e.t, csrf, kind, name, content)
	req := httptest.NewRequest(http.MethodPost, action, body)
	req.Header.Set("Content-Type", ctype)
	return b.do(req)
}

// memberFiles lists a member's files through the service, as the CLI.
func (e *env) memberFiles(id int64) []auth.File {
	e.t.Helper()
	files, err := e.svc.MemberFiles(context.Background(), auth.Actor{CLI: true}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return files
}

func fileURL(base string, id int64) string { return base + "/" + strconv.FormatInt(id, 10) }

// expectFileHeaders checks the headers every file response carries.
func expectFileHeaders(t *testing.T, r *response, ctype, disposition string) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":            ctype,
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "private, no-store",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"Content-Disposition":     disposition,
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

func TestAccountFileUploadAndDownload(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.createMember("ann@example.com", goodPassword)
	bob := e.createMember("bob@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPassword)

	// The account page has the section and a multipart form with a token.
	page := b.get("/account")
	expectStatus(t, page, http.StatusOK)
	if !strings.Contains(page.body, `enctype="multipart/form-data"`) || !strings.Contains(page.body, `data-testid="files"`) {
		t.Fatalf("no upload form on the account page:\n%.3000s", page.body)
	}

	// Without the CSRF token: 403, nothing stored.
	expectStatus(t, b.uploadRaw("/account/files", "", "attachment", "a.pdf", pdfFile), http.StatusForbidden)
	expectStatus(t, b.uploadRaw("/account/files", "forged", "attachment", "a.pdf", pdfFile), http.StatusForbidden)
	if n := len(e.memberFiles(ann.ID)); n != 0 {
		t.Fatalf("%d files stored without CSRF", n)
	}

	// With it: stored under the signed-in member, whatever the form says.
	r := b.upload("/account", "/account/files", "attachment", `..\"report" 2024.html`, pdfFile)
	expectStatus(t, r, http.StatusSeeOther)
	files := e.memberFiles(ann.ID)
	if len(files) != 1 || files[0].ContentType != "application/pdf" || files[0].Name != "report 2024.html.pdf" {
		t.Fatalf("stored %+v", files)
	}
	if len(e.memberFiles(bob.ID)) != 0 {
		t.Fatal("member_id in the form was used")
	}
	f := files[0]
	page = b.get("/account")
	if !strings.Contains(page.body, "report 2024.html.pdf") || !strings.Contains(page.body, fileURL("/account/files", f.ID)) {
		t.Fatalf("file not listed:\n%.4000s", page.body)
	}

	// HTML disguised as a PNG is refused with the reason.
	r = b.upload("/account", "/account/files", "avatar", "me.png", htmlFile)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "not allowed") {
		t.Fatalf("no reason: %.2000s", r.body)
	}
	// No file at all.
	expectStatus(t, b.upload("/account", "/account/files", "attachment", "", nil), http.StatusUnprocessableEntity)

	// Download: the sniffed type, as an attachment, with the safe name.
	r = b.get(fileURL("/account/files", f.ID))
	expectStatus(t, r, http.StatusOK)
	if r.body != string(pdfFile) {
		t.Fatalf("downloaded %q", r.body)
	}
	expectFileHeaders(t, r, "application/pdf", `attachment; filename="report 2024.html.pdf"; filename*=UTF-8''report%202024.html.pdf`)

	// The avatar shows inline on the account page.
	expectStatus(t, b.upload("/account", "/account/files", "avatar", "Ünïcode me.png", pngFile), http.StatusSeeOther)
	var avatar auth.File
	for _, x := range e.memberFiles(ann.ID) {
		if x.Kind == auth.FileAvatar {
			avatar = x
		}
	}
	page = b.get("/account")
	if !strings.Contains(page.body, `src="`+fileURL("/account/files", avatar.ID)+`"`) {
		t.Fatalf("no avatar image:\n%.4000s", page.body)
	}
	r = b.get(fileURL("/account/files", avatar.ID))
	expectStatus(t, r, http.StatusOK)
	expectFileHeaders(t, r, "image/png", `inline; filename="_n_code me.png"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20me.png`)

	// Another member: 404 for download and delete, nothing deleted.
	other := e.browser()
	other.mustLogin("bob@example.com", goodPassword)
	expectStatus(t, other.get(fileURL("/account/files", f.ID)), http.StatusNotFound)
	expectStatus(t, other.submit("/account", fileURL("/account/files", f.ID)+"/delete", nil), http.StatusNotFound)
	// Anonymous: sent to the login page.
	anon := e.browser()
	if r := anon.get(fileURL("/account/files", f.ID)); r.StatusCode != http.StatusSeeOther || r.location() != "/login" {
		t.Fatalf("anonymous download: %d %q", r.StatusCode, r.location())
	}

	// Delete: CSRF required, then gone.
	expectStatus(t, b.postRaw(fileURL("/account/files", f.ID)+"/delete", url.Values{}), http.StatusForbidden)
	expectStatus(t, b.submit("/account", fileURL("/account/files", f.ID)+"/delete", nil), http.StatusSeeOther)
	expectStatus(t, b.get(fileURL("/account/files", f.ID)), http.StatusNotFound)
	if n := len(e.memberFiles(ann.ID)); n != 1 {
		t.Fatalf("%d files after delete", n)
	}
}

func TestAdminMemberFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.svc.CreateMember(ctx, auth.CreateMemberInput{Email: "owner@example.com", Password: goodPassword, Name: "Owner", Role: auth.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	ann := e.createMember("ann@example.com", goodPassword)
	bob := e.createMember("bob@example.com", goodPassword)
	annB := e.browser()
	annB.mustLogin("ann@example.com", goodPassword)
	expectStatus(t, annB.upload("/account", "/account/files", "attachment", "cv.pdf", pdfFile), http.StatusSeeOther)
	f := e.memberFiles(ann.ID)[0]

	admin := e.browser()
	admin.mustLogin("owner@example.com", goodPassword)
	base := "/admin/members/" + strconv.FormatInt(ann.ID, 10) + "/files"
	r := admin.get(fileURL(base, f.ID))
	expectStatus(t, r, http.StatusOK)
	if r.body != string(pdfFile) {
		t.Fatal("admin downloaded other bytes")
	}
	expectFileHeaders(t, r, "application/pdf", `attachment; filename="cv.pdf"; filename*=UTF-8''cv.pdf`)
	// The file id under another member's URL: 404.
	expectStatus(t, admin.get(fileURL("/admin/members/"+strconv.FormatInt(bob.ID, 10)+"/files", f.ID)), http.StatusNotFound)
	// The admin uploads for ann (with CSRF; without: 403) and deletes.
	expectStatus(t, admin.uploadRaw(base, "", "avatar", "a.png", pngFile), http.StatusForbidden)
	expectStatus(t, admin.upload("/account", base, "avatar", "a.png", pngFile), http.StatusSeeOther)
	if n := len(e.memberFiles(ann.ID)); n != 2 {
		t.Fatalf("%d files after the admin upload", n)
	}
	expectStatus(t, admin.submit("/account", fileURL(base, f.ID)+"/delete", nil), http.StatusSeeOther)
	if n := len(e.memberFiles(ann.ID)); n != 1 {
		t.Fatalf("%d files after the admin delete", n)
	}
	// A member is no admin: the admin routes refuse.
	annBase := "/admin/members/" + strconv.FormatInt(bob.ID, 10) + "/files"
	if r := annB.get(fileURL(annBase, 1)); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Fatalf("member on the admin download route: %d", r.StatusCode)
	}
	if r := annB.upload("/account", annBase, "attachment", "x.pdf", pdfFile); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Fatalf("member on the admin upload route: %d", r.StatusCode)
	}
	if n := len(e.memberFiles(bob.ID)); n != 0 {
		t.Fatalf("member uploaded for bob: %d files", n)
	}
}

func TestFileAccessTokenRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.createMember("ann@example.com", goodPassword)
	bob := e.createMember("bob@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPassword)
	expectStatus(t, b.upload("/account", "/account/files", "attachment", "cv.pdf", pdfFile), http.StatusSeeOther)
	f := e.memberFiles(ann.ID)[0]
	bb := e.browser()
	bb.mustLogin("bob@example.com", goodPassword)
	expectStatus(t, bb.upload("/account", "/account/files", "attachment", "bob.pdf", pdfFile), http.StatusSeeOther)

	// A kuroco client: login, grant, token, then file_access_token.
	anon := e.browser()
	res := anon.do(jsonRequest(t, "/rcms-api/1/login", map[string]string{"email": "ann@example.com", "password": goodPassword}))
	expectStatus(t, res, http.StatusOK)
	var grant struct {
		GrantToken string `json:"grant_token"`
	}
	json.Unmarshal([]byte(res.body), &grant)
	res = anon.do(jsonRequest(t, "/rcms-api/1/token", map[string]string{"grant_token": grant.GrantToken}))
	expectStatus(t, res, http.StatusOK)
	var tok struct {
		AccessToken struct{ Value string } `json:"access_token"`
	}
	json.Unmarshal([]byte(res.body), &tok)
	req := httptest.NewRequest(http.MethodGet, "/rcms-api/1/file_access_token", nil)
	req.Header.Set("X-RCMS-API-ACCESS-TOKEN", tok.AccessToken.Value)
	res = anon.do(req)
	expectStatus(t, res, http.StatusOK)
	var ft struct {
		FileAccessToken struct{ Value string } `json:"file_access_token"`
	}
	json.Unmarshal([]byte(res.body), &ft)
	token := ft.FileAccessToken.Value
	if token == "" {
		t.Fatalf("no file token: %s", res.body)
	}

	id := strconv.FormatInt(f.ID, 10)
	for _, path := range []string{
		"/files/" + id + "/cv.pdf?t=" + token,
		"/files/" + id + "?t=" + token,
		"/files/t=" + token + "/" + id + "/cv.pdf",
		"/files/t=" + token + "/" + id,
	} {
		r := e.browser().get(path)
		expectStatus(t, r, http.StatusOK)
		if r.body != string(pdfFile) {
			t.Fatalf("%s: other bytes", path)
		}
		expectFileHeaders(t, r, "application/pdf", `attachment; filename="cv.pdf"; filename*=UTF-8''cv.pdf`)
	}
	// The token's log line never shows the token.
	if strings.Contains(e.logs.String(), token) {
		t.Fatal("the file token reached the log")
	}
	// Without a token, with a bad one, with an access token, or for
	// another member's file: 401.
	bobFile := strconv.FormatInt(e.memberFiles(bob.ID)[0].ID, 10)
	for _, path := range []string{
		"/files/" + id + "/cv.pdf",
		"/files/" + id + "/cv.pdf?t=nope",
		"/files/t=nope/" + id + "/cv.pdf",
		"/files/" + id + "/cv.pdf?t=" + tok.AccessToken.Value,
		"/files/t=" + tok.AccessToken.Value + "/" + id,
		"/files/" + bobFile + "?t=" + token,
		"/files/t=" + token + "/" + bobFile + "/bob.pdf",
		"/files/999999?t=" + token,
	} {
		expectStatus(t, e.browser().get(path), http.StatusUnauthorized)
	}
	// A file token opens no page and no API.
	req = httptest.NewRequest(http.MethodGet, "/rcms-api/1/profile", nil)
	req.Header.Set("X-RCMS-API-ACCESS-TOKEN", token)
	if r := anon.do(req); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("file token on the profile API: %d", r.StatusCode)
	}
	// After 300 s the token is dead.
	e.clock.Advance(301 * time.Second)
	expectStatus(t, e.browser().get("/files/"+id+"?t="+token), http.StatusUnauthorized)
}

func jsonRequest(t *testing.T, path string, body any) *http.Request {
	t.Helper()
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestUploadBodyLimit: the upload routes alone take more than 64 KiB, over
// a real connection; every other POST keeps the limit.
func TestUploadBodyLimit(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.createMember("ann@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPassword)
	csrf := b.csrf("/account")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Shutdown() })
	client := &http.Client{Timeout: 30 * time.Second}
	base := "http://" + ln.Addr().String()
	cookies := func(req *http.Request) {
		for k, v := range b.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
	}

	// 100 KiB announced to /login and to another member route: 413 from
	// the headers alone (sending the body would race the server's close).
	for _, path := range []string{"/login", "/account/profile"} {
		if st := announce(t, ln.Addr().String(), path, 100<<10, b.cookies); st != http.StatusRequestEntityTooLarge {
			t.Fatalf("100 KiB to %s: %d", path, st)
		}
	}

	// A 1 MiB upload: stored.
	big := append(append([]byte{}, pdfFile...), bytes.Repeat([]byte{' '}, 1<<20)...)
	body, ctype := multipartBody(t, csrf, "attachment", "big.pdf", big)
	req, _ := http.NewRequest(http.MethodPost, base+"/account/files", body)
	req.Header.Set("Content-Type", ctype)
	cookies(req)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("1 MiB upload: %d", res.StatusCode)
	}
	files := e.memberFiles(ann.ID)
	if len(files) != 1 || files[0].Size != int64(len(big)) {
		t.Fatalf("stored %+v", files)
	}

	// Over the upload cap: 413 from the headers, body unread.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /account/files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x", auth.MaxUploadBody+1)
	res, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("oversized upload: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: %d", res.StatusCode)
	}
}

// TestFileNamesRenderEscaped: a hostile file name shows as text.
func TestFileNamesRenderEscaped(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPassword)
	expectStatus(t, b.upload("/account", "/account/files", "attachment", "<img src=x onerror=alert(1)>.pdf", pdfFile), http.StatusSeeOther)
	page := b.get("/account")
	if strings.Contains(page.body, "<img src=x") || !strings.Contains(page.body, "img src=x onerror=alert(1).pdf") {
		t.Fatalf("name not escaped:\n%.4000s", page.body)
	}
}

// TestProxiedSessionFiles: acting as B, A reaches B's files (it is B's
// session) but not A's own, and not the admin routes.
func TestProxiedSessionFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	ann := e.createMember("ann@example.com", goodPassword)
	bob := e.createMember("bob@example.com", goodPassword)
	if _, err := e.svc.AdminGrantProxy(ctx, auth.Actor{CLI: true}, bob.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("ann@example.com", goodPassword)
	expectStatus(t, b.upload("/account", "/account/files", "attachment", "ann.pdf", pdfFile), http.StatusSeeOther)
	annFile := e.memberFiles(ann.ID)[0]
	expectStatus(t, b.submit("/account", "/proxy/start/"+strconv.FormatInt(bob.ID, 10), proxyReasonForm()), http.StatusSeeOther)

	expectStatus(t, b.upload("/account", "/account/files", "attachment", "as-bob.pdf", pdfFile), http.StatusSeeOther)
	files := e.memberFiles(bob.ID)
	if len(files) != 1 || files[0].Name != "as-bob.pdf" || len(e.memberFiles(ann.ID)) != 1 {
		t.Fatalf("proxied upload went elsewhere: bob %+v", files)
	}
	expectStatus(t, b.get(fileURL("/account/files", files[0].ID)), http.StatusOK)
	expectStatus(t, b.get(fileURL("/account/files", annFile.ID)), http.StatusNotFound)
	// The upload is audited with the real actor.
	entries, err := e.svc.AdminAudit(ctx, auth.Actor{CLI: true}, auth.AuditQuery{Action: auth.AuditFileUpload, MemberID: bob.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ActorID != ann.ID || entries[0].SubjectID != bob.ID {
		t.Fatalf("audit %+v", entries)
	}
}

// announce sends a POST whose headers announce n body bytes, sends a few,
// and returns the status the server answers with.
func announce(t *testing.T, addr, path string, n int, cookies map[string]string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var jar []string
	for k, v := range cookies {
		jar = append(jar, k+"="+v)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: %s\r\nContent-Length: %d\r\n\r\na=b", path, strings.Join(jar, "; "), n)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	res.Body.Close()
	return res.StatusCode
}
