package postgres

import (
	"context"

	"gatehouse/internal/auth"
)

const fileColumns = `id, member_id, kind, name, content_type, size, storage_key, created_at`

func scanFile(row interface{ Scan(...any) error }) (auth.File, error) {
	var (
		f         auth.File
		createdAt int64
	)
	if err := row.Scan(&f.ID, &f.MemberID, &f.Kind, &f.Name, &f.ContentType, &f.Size,
		&f.StorageKey, &createdAt); err != nil {
		return auth.File{}, err
	}
	f.CreatedAt = fromMillis(createdAt)
	return f, nil
}

// FilesOfMember returns the member's files ordered by id.
func (r queries) FilesOfMember(ctx context.Context, memberID int64) ([]auth.File, error) {
	return queryAll(ctx, r.q, scanFile, "files of member",
		`SELECT `+fileColumns+` FROM files WHERE member_id = ? ORDER BY id`, memberID)
}

// FileByID returns the file or ENOTFOUND.
func (r queries) FileByID(ctx context.Context, id int64) (auth.File, error) {
	return queryOne(ctx, r.q, scanFile, "file by id", "File", `SELECT `+fileColumns+` FROM files WHERE id = ?`, id)
}

// CreateFile inserts f and sets f.ID (and CreatedAt when zero). An unknown
// member is ENOTFOUND; a storage key in use ECONFLICT.
func (t *tx) CreateFile(ctx context.Context, f *auth.File) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now()
	}
	id, err := t.guardedInsert(ctx, "create file", `INSERT INTO files (member_id, kind, name, content_type, size,
		storage_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.MemberID, f.Kind, f.Name, f.ContentType, f.Size, f.StorageKey, toMillis(f.CreatedAt))
	switch {
	case isConstraint(err, foreignKeyViolation):
		return notFound("Member")
	case isConstraint(err, uniqueViolation):
		return auth.Errorf(auth.ECONFLICT, "This storage key is already in use.")
	case err != nil:
		return err
	}
	f.ID = id
	return nil
}

// DeleteFile deletes the file row (ENOTFOUND when absent); the caller
// removes the bytes.
func (t *tx) DeleteFile(ctx context.Context, id int64) error {
	return t.execOne(ctx, "delete file", "File", `DELETE FROM files WHERE id = ?`, id)
}
