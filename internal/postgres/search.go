package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"gatehouse/internal/auth"
)

// Member editor list limits.
const (
	searchDefaultLimit = 50
	searchMaxLimit     = 200
)

// sortExprs maps each auth.Sort* key to the SQL expression the list orders
// by; each has an index of migration 0003 (or the UNIQUE one on email_key)
// with id as the tiebreaker. The expressions must match the indexed ones
// exactly.
var sortExprs = map[string]string{
	auth.SortID:      "id",
	auth.SortEmail:   "email_key",
	auth.SortName:    "lower(name)",
	auth.SortCreated: "created_at",
}

// cursor is the position after one row of the list in one order: the row's
// sort value and id. It is sent to the client as an opaque string.
type cursor struct {
	sort string
	desc bool
	id   int64
	str  string // the sort value of SortEmail and SortName
	num  int64  // the sort value of SortCreated
}

const cursorVersion = "c1"

func (c cursor) encode() string {
	dir := "a"
	if c.desc {
		dir = "d"
	}
	val := c.str
	if c.sort == auth.SortCreated {
		val = strconv.FormatInt(c.num, 10)
	}
	raw := strings.Join([]string{cursorVersion, c.sort, dir, strconv.FormatInt(c.id, 10), val}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// badCursor is the EINVALID error of a cursor that is malformed or belongs
// to another order.
func badCursor() error {
	msg := "The page link is invalid; start again from the first page."
	return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"after": msg}}
}

// decodeCursor parses s, which must have been made for the same sort key
// and direction.
func decodeCursor(s, sort string, desc bool) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, badCursor()
	}
	parts := strings.SplitN(string(raw), "|", 5)
	if len(parts) != 5 || parts[0] != cursorVersion || parts[1] != sort ||
		(parts[2] != "a" && parts[2] != "d") || (parts[2] == "d") != desc {
		return cursor{}, badCursor()
	}
	c := cursor{sort: sort, desc: desc}
	if c.id, err = strconv.ParseInt(parts[3], 10, 64); err != nil || c.id <= 0 {
		return cursor{}, badCursor()
	}
	switch sort {
	case auth.SortID:
		if parts[4] != "" {
			return cursor{}, badCursor()
		}
	case auth.SortCreated:
		if c.num, err = strconv.ParseInt(parts[4], 10, 64); err != nil {
			return cursor{}, badCursor()
		}
	default:
		c.str = parts[4]
	}
	return c, nil
}

// prefixEnd returns a string above every string that starts with p:
// PostgreSQL text cannot hold the byte 0xFF that the SQLite store uses, so
// the bound is p followed by U+10FFFF, the highest code point (its UTF-8,
// F4 8F BF BF, is above any other's). Only a string continuing p with
// U+10FFFF itself, a noncharacter, falls outside.
// Compared byte-wise (COLLATE "C"), [p, prefixEnd(p)) is "starts with
// p", a range the planner answers from an index.
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// SearchMembers returns one page of the member editor's list with keyset
// pagination:
//
//   - Sort orders by id, email_key, lower(name) or created_at, each with id
//     as the tiebreaker, ascending or (Desc) descending.
//   - Status keeps one status; Role keeps holders of the role and Group
//     holders of any role in the group; both together keep holders of the
//     role in that group.
//   - Query (canonicalised as a login) keeps members whose email or username
//     starts with it, or whose lower-cased name contains it (PostgreSQL's lower(): ASCII
//     case folding under the C collation the prefix columns use).
//   - After is the Next of the previous page; a malformed cursor, or one of
//     another order, is EINVALID.
//
// The page holds at most Limit (default 50, at most 200) members with their
// roles; Next is "" when no row follows.
func (r queries) SearchMembers(ctx context.Context, f auth.MemberFilter) (auth.MemberPage, error) {
	sortKey := f.Sort
	if sortKey == "" {
		sortKey = auth.SortID
	}
	expr, ok := sortExprs[sortKey]
	if !ok {
		msg := fmt.Sprintf("Unknown sort order %q.", f.Sort)
		return auth.MemberPage{}, &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"sort": msg}}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = searchDefaultLimit
	}
	if limit > searchMaxLimit {
		limit = searchMaxLimit
	}
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}

	var (
		where []string
		args  []any
	)
	if f.After != "" {
		c, err := decodeCursor(f.After, sortKey, f.Desc)
		if err != nil {
			return auth.MemberPage{}, err
		}
		// Not the row value (expr, id) > (?, ?): the planner does not turn
		// that into a range of an expression index. The first term here
		// is the range; the second skips the ties already shown.
		var val any = c.str
		if sortKey == auth.SortCreated {
			val = c.num
		}
		if sortKey == auth.SortID {
			where = append(where, "id "+cmp+" ?")
			args = append(args, c.id)
		} else {
			where = append(where, expr+" "+cmp+"= ? AND ("+expr+" "+cmp+" ? OR id "+cmp+" ?)")
			args = append(args, val, val, c.id)
		}
	}
	if f.Status != "" {
		if err := checkStatus(f.Status); err != nil {
			return auth.MemberPage{}, err
		}
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.Role != 0 || f.Group != 0 {
		cond, condArgs, err := r.roleCondition(ctx, f.Role, f.Group)
		if err != nil {
			return auth.MemberPage{}, fmt.Errorf("postgres: search members: %w", err)
		}
		where = append(where, cond)
		args = append(args, condArgs...)
	}
	if q := auth.Canonical(f.Query); q != "" {
		cond, condArgs, err := r.queryCondition(ctx, q)
		if err != nil {
			return auth.MemberPage{}, fmt.Errorf("postgres: search members: %w", err)
		}
		where = append(where, cond)
		args = append(args, condArgs...)
	}

	query := `SELECT ` + memberColumns + `, ` + expr + ` FROM members`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + expr + " " + dir
	if sortKey != auth.SortID {
		query += ", id " + dir
	}
	query += " LIMIT " + strconv.Itoa(limit+1)

	page, err := r.searchPage(ctx, query, args, sortKey, f.Desc, limit)
	if err != nil {
		return auth.MemberPage{}, fmt.Errorf("postgres: search members: %w", err)
	}
	return page, nil
}

// searchPage runs the query of SearchMembers (limit+1 rows, the sort value
// last), loads the page's roles and makes the next cursor.
func (r queries) searchPage(ctx context.Context, query string, args []any, sortKey string, desc bool, limit int) (auth.MemberPage, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return auth.MemberPage{}, err
	}
	defer rows.Close()
	var (
		page auth.MemberPage
		last cursor
		more bool
	)
	for rows.Next() {
		if len(page.Members) == limit {
			more = true // the extra row only tells that another page exists
			break
		}
		c := cursor{sort: sortKey, desc: desc}
		var sortDest any
		switch sortKey {
		case auth.SortCreated:
			sortDest = &c.num
		case auth.SortID:
			sortDest = &c.id
		default:
			sortDest = &c.str
		}
		m, err := scanMember(extraScan{rows, sortDest}, r.key)
		if err != nil {
			return auth.MemberPage{}, err
		}
		c.id = m.ID
		page.Members = append(page.Members, m)
		last = c
	}
	if err := rows.Err(); err != nil {
		return auth.MemberPage{}, err
	}
	rows.Close()
	if more {
		page.Next = last.encode()
	}
	if len(page.Members) == 0 {
		return page, nil
	}
	ids := make([]int64, len(page.Members))
	for i, m := range page.Members {
		ids[i] = m.ID
	}
	grants, err := r.rolesOf(ctx, ids)
	if err != nil {
		return auth.MemberPage{}, err
	}
	for i := range page.Members {
		page.Members[i].Roles = grants[page.Members[i].ID]
	}
	return page, nil
}

// searchProbe is how many matches of a search query queryCondition
// collects before it deems the query broad.
const searchProbe = 2000

// queryCondition returns the WHERE term for the search query q (already
// canonical): email or username starting with q, or lower-cased name
// containing q.
//
// A narrow query (fewer than searchProbe matches) is answered from the
// indexes: the prefixes are ranges of the email_key and username indexes,
// the name substring a scan of the small lower(name) index, and the page
// query then reads just those rows (ids passed as an array) and sorts
// them. A broad query instead becomes a plain predicate: scanning the
// order's index meets the next matches soon, and the page stops there.
func (r queries) queryCondition(ctx context.Context, q string) (string, []any, error) {
	end := prefixEnd(q)
	rows, err := r.q.QueryContext(ctx, `SELECT id FROM members WHERE email_key >= ? AND email_key < ?
		UNION ALL SELECT id FROM members WHERE username >= ? AND username < ?
		UNION ALL SELECT id FROM members WHERE strpos(lower(name), ?) > 0
		LIMIT ?`, q, end, q, end, q, searchProbe)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	ids := []byte{'{'}
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", nil, err
		}
		n++
		if seen[id] {
			continue
		}
		seen[id] = true
		if len(ids) > 1 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, id, 10)
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	if n >= searchProbe {
		return `(email_key >= ? AND email_key < ? OR username >= ? AND username < ?
			OR strpos(lower(name), ?) > 0)`, []any{q, end, q, end, q}, nil
	}
	ids = append(ids, '}')
	return `id = ANY(?::bigint[])`, []any{string(ids)}, nil
}

// roleCondition returns the WHERE term keeping holders of role (0: any) in
// group (0: any). Like queryCondition it first counts the holders, up to
// searchProbe: few holders drive the page query (read just them, then
// sort); many are checked row by row while the order's index is scanned, so
// the page stops early. Left to itself, without statistics, the planner
// picks the first plan for a role all members hold (a sort of every row).
func (r queries) roleCondition(ctx context.Context, role auth.RoleID, group int64) (string, []any, error) {
	var (
		cond string
		args []any
	)
	switch {
	case role != 0 && group != 0:
		cond, args = "role_id = ? AND group_id = ?", []any{int64(role), group}
	case role != 0:
		cond, args = "role_id = ?", []any{int64(role)}
	default:
		cond, args = "group_id = ?", []any{group}
	}
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM member_roles WHERE `+cond+` LIMIT ?) AS held`,
		append(args[:len(args):len(args)], searchProbe)...).Scan(&n)
	if err != nil {
		return "", nil, err
	}
	if n < searchProbe {
		return "id IN (SELECT member_id FROM member_roles WHERE " + cond + ")", args, nil
	}
	return "EXISTS (SELECT 1 FROM member_roles mr WHERE mr.member_id = members.id AND " + cond + ")", args, nil
}

// extraScan scans a row of memberColumns followed by more columns.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra)...) }

// rolesOf loads, in one query, the grants of the members ids (at most a
// page, well under SQLite's parameter limit).
func (r queries) rolesOf(ctx context.Context, ids []int64) (map[int64][]auth.RoleGrant, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return r.grants(ctx, `member_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
}

// CountMembersWithRole counts the members holding role in group.
func (r queries) CountMembersWithRole(ctx context.Context, role auth.RoleID, group int64) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM member_roles WHERE role_id = ? AND group_id = ?`,
		int64(role), group).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count members with role: %w", err)
	}
	return n, nil
}

// DeleteMember deletes the member; the foreign keys cascade to its roles,
// sessions (its own and those it acts in), credentials, tokens, proxy
// grants and file rows. Audit entries stay. ENOTFOUND when absent.
func (t *tx) DeleteMember(ctx context.Context, id int64) error {
	return t.execOne(ctx, "delete member", "Member", `DELETE FROM members WHERE id = ?`, id)
}
