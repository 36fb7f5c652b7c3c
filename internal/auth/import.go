package auth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ImportRow is one member as another server exported it (gatehouse
// import): Line is where it stands in the file, for the report.
type ImportRow struct {
	Line         int
	Email        string
	Username     string
	Name         string
	FirstName    string
	LastName     string
	PasswordHash string // any form NormalizeImportedHash accepts; empty: no password
	Salt         string // the separate salt of a Firebase export
}

// ImportRejection is a row left out, with the reason.
type ImportRejection struct {
	Line   int
	Reason string
}

// ImportOptions configure ImportMembers.
type ImportOptions struct {
	Firebase *FirebaseParams // the project's parameters, for Firebase scrypt hashes
	DryRun   bool            // check everything, against the database too, and write nothing
}

// ImportResult is what one batch did (or, in a dry run, would do).
type ImportResult struct {
	Imported int
	Rejected []ImportRejection
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// ImportMembers adds one batch of members in one transaction: it commits
// whole or not at all. A row that cannot be imported (bad email, a hash in
// no known form, an email or username already taken, in the database or
// earlier in the file) is left out and reported with its line; the others
// go in. Imported members are active Makers of the root group with their
// email counted as verified (the old server had them), and their old hash
// is verified by LegacyHasher at first sign-in, then replaced by argon2id.
// Password rules are not applied: the members chose their passwords
// elsewhere, and the next change applies them.
func (s *Service) ImportMembers(ctx context.Context, rows []ImportRow, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	members := make([]Member, 0, len(rows))
	lines := make([]int, 0, len(rows))
	now := s.clock()
	for _, r := range rows {
		m, err := importMember(r, opt.Firebase)
		if err != nil {
			res.Rejected = append(res.Rejected, ImportRejection{r.Line, importReason(err)})
			continue
		}
		m.CreatedAt, m.UpdatedAt = now, now
		if m.PasswordHash != "" {
			m.PasswordChangedAt = now
		}
		members = append(members, m)
		lines = append(lines, r.Line)
	}
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		for i := range members {
			err := createMember(ctx, tx, &members[i])
			if ErrorCode(err) == ECONFLICT {
				// SQLite undid that one statement; the transaction goes on.
				res.Rejected = append(res.Rejected, ImportRejection{lines[i], importReason(err)})
				continue
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", lines[i], err)
			}
			res.Imported++
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return ImportResult{}, err
	}
	sort.Slice(res.Rejected, func(i, j int) bool { return res.Rejected[i].Line < res.Rejected[j].Line })
	return res, nil
}

// importMember validates one row as the other front doors validate a new
// member (email, username, names) and normalizes its hash.
func importMember(r ImportRow, fb *FirebaseParams) (Member, error) {
	email, emailErr := cleanEmail(r.Email)
	var userErr error
	username := ""
	if strings.TrimSpace(r.Username) != "" {
		username, userErr = cleanUsername(r.Username)
	}
	name, nameErr := cleanText("name", "Name", r.Name, maxNameLen, false)
	first, firstErr := cleanText("first_name", "First name", r.FirstName, maxNameLen, false)
	last, lastErr := cleanText("last_name", "Last name", r.LastName, maxNameLen, false)
	if err := mergeFields(emailErr, userErr, nameErr, firstErr, lastErr); err != nil {
		return Member{}, err
	}
	hash, err := NormalizeImportedHash(r.PasswordHash, r.Salt, fb)
	if err != nil {
		return Member{}, FieldError("password_hash", strings.TrimPrefix(err.Error(), "auth: "))
	}
	return Member{
		Email: email, Username: username, Name: name, FirstName: first, LastName: last,
		EmailVerified: true, Status: StatusActive, PasswordHash: hash,
		Roles: []RoleGrant{{Group: RootGroup, Role: RoleMaker}},
	}, nil
}

// importReason is the report's text for a rejected row: each field's
// problem, in field order.
func importReason(err error) string {
	e := AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return ErrorMessage(err)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return strings.Join(parts, "; ")
}
