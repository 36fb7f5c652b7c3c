package web

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// auditPageSize is the audit log's page length.
const auditPageSize = 50

// handleAdminAudit renders the whole audit log, newest first, filtered by
// member (id, email or username: actor or subject) and action (exact or a
// "prefix."), paginated with the before cursor (an entry id).
func (s *server) handleAdminAudit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, a := c.UserContext(), currentActor(c)
		p := views.AdminAuditProps{Member: query(c, "member"), Action: query(c, "action")}
		q := auth.AuditQuery{Limit: auditPageSize}
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
			v.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
			p.NextURL = "/admin/audit?" + v.Encode()
		}
		return s.render(c, fiber.StatusOK, views.AdminAuditPage(p))
	}
}
