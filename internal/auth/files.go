package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Blobs stores the bytes of member files under opaque keys (internal/blob
// keeps them on disk under the data directory). Put stores at most max
// bytes: a longer stream is refused with an error wrapping ErrBlobTooLarge
// and nothing is kept. Delete of a missing key is not an error.
type Blobs interface {
	Put(key string, r io.Reader, max int64) (int64, error)
	Open(key string) (io.ReadCloser, error)
	Delete(key string) error
}

// ErrBlobTooLarge is returned (wrapped) by Blobs.Put when the stream is
// longer than max.
var ErrBlobTooLarge = errors.New("blob: larger than the limit")

// File limits (docs/contract.md §10).
const (
	MaxAvatarSize     = 2 << 20 // bytes
	MaxAttachmentSize = 5 << 20 // bytes
	MaxAttachments    = 20      // per member
	// MaxUploadBody bounds a whole upload request: the largest file plus
	// room for the multipart framing and the other form fields.
	MaxUploadBody = MaxAttachmentSize + 64<<10
	// maxFileName bounds a stored file name, in characters.
	maxFileName = 100
)

// Content types a file may have. The type is decided by sniffing the bytes,
// never by the client's Content-Type header or the file name.
const (
	typePNG  = "image/png"
	typeJPEG = "image/jpeg"
	typeWebP = "image/webp"
	typeGIF  = "image/gif"
	typePDF  = "application/pdf"
	typeText = "text/plain; charset=utf-8"
	typeZIP  = "application/zip"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// fileRule is the policy of one file kind.
type fileRule struct {
	max   int64
	types map[string]bool
	what  string // the allowed types, for error messages
}

var fileRules = map[string]fileRule{
	FileAvatar: {
		max:   MaxAvatarSize,
		types: map[string]bool{typePNG: true, typeJPEG: true, typeWebP: true, typeGIF: true},
		what:  "PNG, JPEG, WebP or GIF images",
	},
	FileAttachment: {
		max: MaxAttachmentSize,
		types: map[string]bool{typePNG: true, typeJPEG: true, typeWebP: true, typeGIF: true, typePDF: true,
			typeText: true, typeZIP: true, typeDOCX: true, typeXLSX: true},
		what: "PDF, PNG, JPEG, WebP, GIF, plain text, ZIP, DOCX or XLSX files",
	},
}

// fileExtensions lists the file name extensions that fit each type; the
// first one is appended to a name whose extension does not fit, so a PDF
// uploaded as "evil.html" is saved as "evil.html.pdf".
var fileExtensions = map[string][]string{
	typePNG:  {".png"},
	typeJPEG: {".jpg", ".jpeg", ".jpe"},
	typeWebP: {".webp"},
	typeGIF:  {".gif"},
	typePDF:  {".pdf"},
	typeText: {".txt", ".text", ".log", ".csv", ".md"},
	typeZIP:  {".zip"},
	typeDOCX: {".docx"},
	typeXLSX: {".xlsx"},
}

var (
	errFileNotFound = &Error{Code: ENOTFOUND, Message: "File not found."}
	errNoBlobs      = errors.New("auth: no file storage configured")
	errFileEmpty    = FieldError("file", "The file is empty.")
	errTooManyFiles = FieldError("file", fmt.Sprintf("You can keep at most %d attachments. Delete one first.", MaxAttachments))
	errFileKind     = FieldError("kind", "Choose a profile image or an attachment.")
	errFileTooLarge = func(r fileRule) error {
		return FieldError("file", fmt.Sprintf("File is too large: at most %s.", sizeText(r.max)))
	}
	errFileTypeDenied = func(r fileRule) error {
		return FieldError("file", "This type of file is not allowed here: only "+r.what+".")
	}
)

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// SafeFileName turns an uploaded file name into one that is safe to show and
// to offer as a download name: no directories, control or format characters,
// quotes or path separators; whitespace collapsed; at most 100 characters;
// "file" when nothing is left. It is never used as a storage path.
func SafeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError,
			strings.ContainsRune("\"'`/\\:*?<>|;", r):
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := strings.Trim(b.String(), ". ")
	if utf8.RuneCountInString(out) > maxFileName {
		ext := path.Ext(out)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		runes := []rune(strings.TrimSuffix(out, ext))
		out = strings.TrimRight(string(runes[:maxFileName-utf8.RuneCountInString(ext)]), ". ") + ext
	}
	if out == "" {
		return "file"
	}
	return out
}

// fileName fits the safe name to the sniffed type: a name whose extension
// does not belong to the type gets the type's extension appended.
func fileName(name, contentType string) string {
	name = SafeFileName(name)
	exts := fileExtensions[contentType]
	if len(exts) == 0 {
		return name
	}
	ext := strings.ToLower(path.Ext(name))
	for _, e := range exts {
		if ext == e {
			return name
		}
	}
	if name == "file" && ext == "" {
		return name + exts[0]
	}
	runes := []rune(name)
	if len(runes)+len(exts[0]) > maxFileName {
		name = string(runes[:maxFileName-len(exts[0])])
	}
	return name + exts[0]
}

// sniffType decides the content type from the first bytes of the file.
// Office documents are ZIP archives whose first entry is
// [Content_Types].xml; they are told apart by the name's extension, which
// cannot turn anything but such an archive into an office type.
func sniffType(head []byte, name string) string {
	t := http.DetectContentType(head)
	if t == typeZIP && len(head) >= 30+19 && bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		n := int(head[26]) | int(head[27])<<8
		if n == 19 && string(head[30:30+n]) == "[Content_Types].xml" {
			switch strings.ToLower(path.Ext(name)) {
			case ".docx":
				return typeDOCX
			case ".xlsx":
				return typeXLSX
			}
		}
	}
	return t
}

// capReader fails with ErrBlobTooLarge once more than left bytes are read,
// whatever the Blobs implementation does with its own limit.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, ErrBlobTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, ErrBlobTooLarge
	}
	return n, err
}

// newStorageKey returns a random storage key: 32 hex digits, never derived
// from the uploaded name.
func (s *Service) newStorageKey() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// filesAllowed decides whether a may see and manage the files of memberID:
// the member's own session (a proxy session into the member included) or an
// admin over the member. Anyone else gets ENOTFOUND, as for a file that does
// not exist.
func (s *Service) filesAllowed(ctx context.Context, r Reader, a Actor, memberID int64) error {
	if !a.CLI && a.Member.ID != 0 && a.Member.ID == memberID {
		return nil
	}
	target, err := r.MemberByID(ctx, memberID)
	if isNotFound(err) {
		return errFileNotFound
	}
	if err != nil {
		return err
	}
	if err := s.requireAdminOver(ctx, r, a, target); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return errFileNotFound
		}
		return err
	}
	return nil
}

// UploadFile stores a file of kind (FileAvatar or FileAttachment) for the
// member. The content type is sniffed from the bytes (contentType, the
// client's claim, is ignored); a type outside the kind's allow list, an
// empty or too large file, or a 21st attachment is EINVALID. A new avatar
// replaces the old one. The upload is audited with the real actor.
func (s *Service) UploadFile(ctx context.Context, a Actor, memberID int64, kind, name, contentType string, r io.Reader) (File, error) {
	_ = contentType // never trusted: the bytes decide
	rule, ok := fileRules[kind]
	if !ok {
		return File{}, errFileKind
	}
	if s.blobs == nil {
		return File{}, errNoBlobs
	}
	if err := s.filesAllowed(ctx, s.store, a, memberID); err != nil {
		return File{}, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	case err != nil:
		return File{}, err
	}
	head = head[:n]
	if n == 0 {
		return File{}, errFileEmpty
	}
	ctype := sniffType(head, name)
	if !rule.types[ctype] {
		return File{}, errFileTypeDenied(rule)
	}
	key, err := s.newStorageKey()
	if err != nil {
		return File{}, err
	}
	body := &capReader{r: io.MultiReader(bytes.NewReader(head), r), left: rule.max}
	size, err := s.blobs.Put(key, body, rule.max)
	if err != nil {
		_ = s.blobs.Delete(key)
		if errors.Is(err, ErrBlobTooLarge) {
			return File{}, errFileTooLarge(rule)
		}
		return File{}, err
	}
	f := File{MemberID: memberID, Kind: kind, Name: fileName(name, ctype), ContentType: ctype, Size: size, StorageKey: key, CreatedAt: s.clock()}
	var replaced []File
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := s.filesAllowed(ctx, tx, a, memberID); err != nil {
			return err
		}
		have, err := tx.FilesOfMember(ctx, memberID)
		if err != nil {
			return err
		}
		count := 0
		for _, old := range have {
			if old.Kind != kind {
				continue
			}
			count++
			if kind == FileAvatar {
				if err := tx.DeleteFile(ctx, old.ID); err != nil {
					return err
				}
				replaced = append(replaced, old)
			}
		}
		if kind == FileAttachment && count >= MaxAttachments {
			return errTooManyFiles
		}
		if err := tx.CreateFile(ctx, &f); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %q (%s, %d bytes)", kind, f.Name, f.ContentType, f.Size)
		return s.audit(ctx, tx, a, AuditFileUpload, memberID, detail, 0)
	})
	if err != nil {
		_ = s.blobs.Delete(key)
		return File{}, err
	}
	for _, old := range replaced {
		_ = s.blobs.Delete(old.StorageKey) // best effort: the row is gone already
	}
	return f, nil
}

// MemberFiles lists the member's files (avatar and attachments) for the
// member or an admin over them.
func (s *Service) MemberFiles(ctx context.Context, a Actor, memberID int64) ([]File, error) {
	if err := s.filesAllowed(ctx, s.store, a, memberID); err != nil {
		return nil, err
	}
	return s.store.FilesOfMember(ctx, memberID)
}

// fileFor loads a file that a may reach; anything else is ENOTFOUND.
func (s *Service) fileFor(ctx context.Context, r Reader, a Actor, fileID int64) (File, error) {
	f, err := r.FileByID(ctx, fileID)
	if isNotFound(err) {
		return File{}, errFileNotFound
	}
	if err != nil {
		return File{}, err
	}
	if err := s.filesAllowed(ctx, r, a, f.MemberID); err != nil {
		return File{}, err
	}
	return f, nil
}

// openBlob opens the bytes of f; missing bytes are ENOTFOUND.
func (s *Service) openBlob(f File) (File, io.ReadCloser, error) {
	if s.blobs == nil {
		return File{}, nil, errNoBlobs
	}
	rc, err := s.blobs.Open(f.StorageKey)
	if err != nil {
		return File{}, nil, errFileNotFound
	}
	return f, rc, nil
}

// OpenFile returns a file and its bytes for the member or an admin over
// them; anyone else gets ENOTFOUND. The caller closes the reader.
func (s *Service) OpenFile(ctx context.Context, a Actor, fileID int64) (File, io.ReadCloser, error) {
	f, err := s.fileFor(ctx, s.store, a, fileID)
	if err != nil {
		return File{}, nil, err
	}
	return s.openBlob(f)
}

// OpenFileWithToken opens a file with a kuroco file_access_token: a live
// file token whose session's member owns the file and is active. Anything
// else (no token, another kind of token, expired, revoked, another member's
// file, no such file) is the same EUNAUTHORIZED.
func (s *Service) OpenFileWithToken(ctx context.Context, token string, fileID int64) (File, io.ReadCloser, error) {
	if token == "" || len(token) > maxTokenLen {
		return File{}, nil, errInvalidToken
	}
	_, sess, err := s.liveCredential(ctx, s.store, HashToken(token), CredFile)
	if err != nil {
		if c := ErrorCode(err); c == EUNAUTHORIZED || c == EEXPIRED {
			return File{}, nil, errInvalidToken
		}
		return File{}, nil, err
	}
	if _, err := s.activeMember(ctx, s.store, sess.MemberID); err != nil {
		return File{}, nil, err
	}
	f, err := s.store.FileByID(ctx, fileID)
	if isNotFound(err) || (err == nil && f.MemberID != sess.MemberID) {
		return File{}, nil, errInvalidToken
	}
	if err != nil {
		return File{}, nil, err
	}
	return s.openBlob(f)
}

// DeleteFile removes a file for the member or an admin over them; anyone
// else gets ENOTFOUND. The deletion is audited with the real actor.
func (s *Service) DeleteFile(ctx context.Context, a Actor, fileID int64) error {
	var f File
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		if f, err = s.fileFor(ctx, tx, a, fileID); err != nil {
			return err
		}
		if err := tx.DeleteFile(ctx, f.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditFileDelete, f.MemberID, fmt.Sprintf("%s %q", f.Kind, f.Name), 0)
	})
	if err != nil {
		return err
	}
	if s.blobs != nil {
		_ = s.blobs.Delete(f.StorageKey) // best effort: the row is gone already
	}
	return nil
}

// removeBlobs deletes the bytes of files whose rows are gone (for example
// after a member was deleted); best effort.
func (s *Service) removeBlobs(files []File) {
	if s.blobs == nil {
		return
	}
	for _, f := range files {
		_ = s.blobs.Delete(f.StorageKey)
	}
}
