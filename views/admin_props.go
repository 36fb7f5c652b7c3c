package views

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"gatehouse/internal/auth"
)

// MemberListFilter holds the member list's search form as submitted (GET
// /admin/members): q, status, role, group, sort and dir.
type MemberListFilter struct {
	Query  string
	Status string
	Role   string
	Group  string
	Sort   string
	Dir    string // "asc" or "desc"
}

// Values returns the filter as query parameters, leaving out empty ones.
func (f MemberListFilter) Values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Query, "status": f.Status, "role": f.Role, "group": f.Group, "sort": f.Sort, "dir": f.Dir} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// AdminMembersProps feeds AdminMembersPage. NextURL is the "Next page" link
// (keyset cursor), empty on the last page; FirstURL is set on later pages.
type AdminMembersProps struct {
	Filter   MemberListFilter
	Members  []auth.Member
	Groups   []GroupRow
	NextURL  string
	FirstURL string
}

// GroupRow is one group in tree order; Depth 0 is the root.
type GroupRow struct {
	auth.Group
	Depth int
}

// RoleChoice is one checkbox of the group × role table: its form value is
// "group:role".
type RoleChoice struct {
	Group int64
	Role  auth.RoleID
}

// Value is the checkbox value posted in the "grant" field.
func (r RoleChoice) Value() string {
	return strconv.FormatInt(r.Group, 10) + ":" + strconv.FormatInt(int64(r.Role), 10)
}

// SystemRoles lists the three system roles in id order.
var SystemRoles = []auth.RoleID{auth.RoleOwner, auth.RoleAdmin, auth.RoleMaker}

// AdminNewMemberProps feeds AdminNewMemberPage (POST /admin/members). The
// password is never re-displayed.
type AdminNewMemberProps struct {
	Email    string
	Username string
	Name     string
	Grants   []auth.RoleGrant
	Groups   []GroupRow
	Errors   map[string]string
}

// MemberEditForm holds the values and per-input errors of the member
// editor's field form (POST /admin/members/{id}).
type MemberEditForm struct {
	Email     string
	Username  string
	Name      string
	FirstName string
	LastName  string
	Bio       string
	Mobile    string
	Errors    map[string]string
}

// ProxyGrantRow is one member allowed to log in as the edited member.
type ProxyGrantRow struct {
	ActorID   int64
	ActorName string
	Email     string
	CreatedAt time.Time
}

// AuditRow is one audit entry with the display names of its members.
type AuditRow struct {
	auth.AuditEntry
	Actor   string
	Subject string
}

// AdminMemberProps feeds AdminMemberPage. ActionError is the message of a
// refused action (status, roles, delete, grant…). Pick is the member picker's
// query and Picked its matches (Picking is true once a search ran). CanProxy
// shows the "Log in as" button: the member's grant list names the admin.
// Files is the slot for the member files section (nil: none).
type AdminMemberProps struct {
	Member      auth.Member
	Edit        MemberEditForm
	ActionError string
	Groups      []GroupRow
	Grants      []ProxyGrantRow
	Pick        string
	Picking     bool
	Picked      []auth.Member
	Audit       []AuditRow
	CanProxy    bool
	Files       templ.Component
}

// AdminDeleteProps feeds AdminDeletePage, the confirmation step.
type AdminDeleteProps struct {
	Member auth.Member
	Error  string
}

// AdminAuditProps feeds AdminAuditPage. Member and Action are the filter as
// submitted; NextURL continues before the last entry shown.
type AdminAuditProps struct {
	Member  string
	Action  string
	From    string // YYYY-MM-DD (UTC), inclusive
	To      string // YYYY-MM-DD (UTC), inclusive
	Error   string
	Entries []AuditRow
	NextURL string
}

// AuditActions are the action filter's choices: prefixes, then each action.
var AuditActions = []string{
	"auth.", "reset.", "password.", "email.", "mfa.", "passkey.", "member.", "proxy.", "group.", "file.", "webhook.",
	auth.AuditSignIn, auth.AuditSignInFailed, auth.AuditMFAFailed, auth.AuditSignOut, auth.AuditSessionEnded,
	auth.AuditLockout, auth.AuditResetRequested, auth.AuditResetUsed, auth.AuditPasswordChange, auth.AuditEmailChange,
	auth.AuditMFAEnabled, auth.AuditMFADisabled, auth.AuditMFARecoveryUsed, auth.AuditMFARecoveryRegenerated,
	auth.AuditPasskeyAdded, auth.AuditPasskeyRemoved, auth.AuditPasskeyRenamed, auth.AuditPasskeyCounter,
	auth.AuditMemberCreate, auth.AuditMemberUpdate, auth.AuditMemberStatus, auth.AuditMemberDelete,
	auth.AuditMemberReset, auth.AuditMemberEnd, auth.AuditRoles,
	auth.AuditProxyGrant, auth.AuditProxyRevoke, auth.AuditProxyStart, auth.AuditProxyStop,
	auth.AuditProxyRefused, auth.AuditProxyWrite,
	auth.AuditGroupCreate, auth.AuditGroupUpdate, auth.AuditGroupDelete,
	auth.AuditFileUpload, auth.AuditFileDelete, auth.AuditWebhookCreate, auth.AuditWebhookDelete,
}

// GroupForm holds one group form's values and errors (name, parent). ID is
// 0 for the create form.
type GroupForm struct {
	ID     int64
	Name   string
	Parent int64
	Errors map[string]string
}

// AdminGroupsProps feeds AdminGroupsPage. Create is the new-group form;
// Edit, when its ID is set, replaces that row's values after a refusal.
type AdminGroupsProps struct {
	Groups []GroupRow
	Create GroupForm
	Edit   GroupForm
}

// MemberURL is the member editor page of id.
func MemberURL(id int64) string { return "/admin/members/" + strconv.FormatInt(id, 10) }

func memberAction(id int64, suffix string) templ.SafeURL {
	return templ.SafeURL(MemberURL(id) + suffix)
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func hasGrant(grants []auth.RoleGrant, group int64, role auth.RoleID) bool {
	for _, g := range grants {
		if g.Group == group && g.Role == role {
			return true
		}
	}
	return false
}

// groupLabel indents a group's name by its depth for selects.
func groupLabel(g GroupRow) string {
	pad := ""
	for range g.Depth {
		pad += "— "
	}
	return pad + g.Name
}

// groupName returns the name of group id in rows, or "#id".
func groupName(rows []GroupRow, id int64) string {
	for _, g := range rows {
		if g.ID == id {
			return g.Name
		}
	}
	return "#" + i64(id)
}

// statusLabel names a member status for people.
func statusLabel(ctx context.Context, s auth.Status) string {
	switch s {
	case auth.StatusActive:
		return T(ctx, "status.active")
	case auth.StatusSuspended:
		return T(ctx, "status.suspended")
	case auth.StatusInvited:
		return T(ctx, "status.invited")
	case auth.StatusPasswordResetRequired:
		return T(ctx, "status.reset_required")
	}
	return string(s)
}

// rolesSummary lists a member's roles as "Role (Group)".
func rolesSummary(ctx context.Context, m auth.Member, groups []GroupRow) string {
	out := ""
	for i, g := range m.Roles {
		if i > 0 {
			out += ", "
		}
		out += tMsg(ctx, g.Role.Label())
		if g.Group != auth.RootGroup {
			out += " (" + groupName(groups, g.Group) + ")"
		}
	}
	if out == "" {
		return "—"
	}
	return out
}

// depthClass indents a tree row (classes, not inline styles: the CSP has no
// 'unsafe-inline').
func depthClass(depth int) string {
	return "depth-" + strconv.Itoa(min(depth, 8))
}

// parentOr defaults a new group's parent to the root.
func parentOr(id int64) int64 {
	if id == 0 {
		return auth.RootGroup
	}
	return id
}

// editFor returns the values of g's row form: the refused submission when it
// was this row, else the stored values.
func editFor(p AdminGroupsProps, g GroupRow) GroupForm {
	if p.Edit.ID == g.ID {
		f := p.Edit
		if f.Name == "" && f.Parent == 0 { // a refused delete: keep the stored values
			f.Name, f.Parent = g.Name, g.ParentID
		}
		return f
	}
	return GroupForm{ID: g.ID, Name: g.Name, Parent: g.ParentID}
}

// errorText joins a form's messages in a stable order.
func errorText(errs map[string]string) string {
	out := ""
	for _, k := range []string{"", "name", "parent"} {
		if errs[k] != "" {
			if out != "" {
				out += " "
			}
			out += errs[k]
		}
	}
	for k, v := range errs {
		if k != "" && k != "name" && k != "parent" && v != "" {
			out += " " + v
		}
	}
	return out
}

// actionLabel names an audit filter choice; prefixes read "every …".
func actionLabel(ctx context.Context, a string) string {
	if len(a) > 0 && a[len(a)-1] == '.' {
		return Tf(ctx, "audit.every", map[string]any{"Prefix": a[:len(a)-1]})
	}
	return a
}

// currentSort is the sort in effect: the filter's, or the default (id).
func currentSort(f MemberListFilter) string {
	if f.Sort == "" {
		return auth.SortID
	}
	return f.Sort
}

// ariaSort is the aria-sort value of the column key.
func ariaSort(f MemberListFilter, key string) string {
	switch {
	case currentSort(f) != key:
		return "none"
	case f.Dir == "desc":
		return "descending"
	}
	return "ascending"
}

// sortMark shows the direction of the current sort column.
func sortMark(f MemberListFilter, key string) string {
	switch ariaSort(f, key) {
	case "ascending":
		return "▲"
	case "descending":
		return "▼"
	}
	return ""
}

// sortURL is the list with the same filters sorted by key: ascending, or
// descending when that column is already sorted ascending. It starts again
// at the first page.
func sortURL(f MemberListFilter, key string) string {
	g := f
	g.Sort, g.Dir = key, ""
	if ariaSort(f, key) == "ascending" {
		g.Dir = "desc"
	}
	return "/admin/members?" + g.Values().Encode()
}

// resultCount says how many members the page shows.
func resultCount(p AdminMembersProps) string {
	n := len(p.Members)
	var s string
	switch n {
	case 1:
		s = "1 member"
	default:
		s = strconv.Itoa(n) + " members"
	}
	if p.NextURL != "" {
		return s + " on this page; more on the next page."
	}
	if p.FirstURL != "" {
		return s + " on this last page."
	}
	return s + "."
}
