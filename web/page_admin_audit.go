package web

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// auditPageSize is the audit log's page length.
const auditPageSize = 50

// handleAdminAudit renders the whole audit log, newest first, filtered by
// member (id, email or username: actor or subject), action (exact or a
// "prefix.") and days from/to (YYYY-MM-DD, UTC, both inclusive), paginated
// with the before cursor (an entry id).
func (s *server) handleAdminAudit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, a := c.UserContext(), currentActor(c)
		p := views.AdminAuditProps{Member: query(c, "member"), Action: query(c, "action"), From: query(c, "from"), To: query(c, "to")}
		q := auth.AuditQuery{Limit: auditPageSize}
		var bad string
		q.From, q.To, bad = auditRange(p.From, p.To)
		if bad != "" {
			p.Error = bad
			return s.render(c, fiber.StatusOK, views.AdminAuditPage(p))
		}
		if slices.Contains(views.AuditActions, p.Action) {
			q.Action = p.Action
		} else {
			p.Action = ""
		}
		if before, err := strconv.ParseInt(query(c, "before"), 10, 64); err == nil && before > 0 {
			q.Before = before
		}
		if p.Member != "" {
			id, err := strconv.ParseInt(p.Member, 10, 64)
			if err != nil || id <= 0 {
				m, rerr := s.auth.ResolveMember(ctx, p.Member)
				switch auth.ErrorCode(rerr) {
				case "":
					id = m.ID
				case auth.ENOTFOUND, auth.EINVALID:
					p.Error = "No member matches “" + p.Member + "”."
					return s.render(c, fiber.StatusOK, views.AdminAuditPage(p))
				default:
					return rerr
				}
			}
			q.MemberID = id
		}
		entries, err := s.auth.AdminAudit(ctx, a, q)
		switch auth.ErrorCode(err) {
		case "":
		case auth.ENOTFOUND: // out of a group admin's reach: like no member at all
			p.Error = "No member matches “" + p.Member + "”."
			return s.render(c, fiber.StatusOK, views.AdminAuditPage(p))
		case auth.EFORBIDDEN: // a group admin without a member filter
			p.Error = auth.ErrorMessage(err)
			return s.render(c, fiber.StatusForbidden, views.AdminAuditPage(p))
		default:
			return err
		}
		p.Entries = s.names(ctx, a).auditRows(entries)
		if len(entries) == auditPageSize {
			v := url.Values{}
			if p.Member != "" {
				v.Set("member", p.Member)
			}
			if p.Action != "" {
				v.Set("action", p.Action)
			}
			if p.From != "" {
				v.Set("from", p.From)
			}
			if p.To != "" {
				v.Set("to", p.To)
			}
			v.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
			p.NextURL = "/admin/audit?" + v.Encode()
		}
		return s.render(c, fiber.StatusOK, views.AdminAuditPage(p))
	}
}

// auditRange reads the from and to days (YYYY-MM-DD, UTC) of the audit
// filter: the range starts at from's midnight and ends before the midnight
// after to. A malformed day or an empty range is a message for the page.
func auditRange(from, to string) (start, end time.Time, bad string) {
	const day = "2006-01-02"
	if from != "" {
		t, err := time.Parse(day, from)
		if err != nil {
			return time.Time{}, time.Time{}, "“From” must be a date (YYYY-MM-DD)."
		}
		start = t
	}
	if to != "" {
		t, err := time.Parse(day, to)
		if err != nil {
			return time.Time{}, time.Time{}, "“To” must be a date (YYYY-MM-DD)."
		}
		end = t.AddDate(0, 0, 1)
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return time.Time{}, time.Time{}, "“From” must not be after “To”."
	}
	return start, end, ""
}
