package auth

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Status is a member's account state (docs/contract.md §1).
type Status string

// The member states.
const (
	StatusActive                Status = "active"
	StatusSuspended             Status = "suspended"
	StatusInvited               Status = "invited"
	StatusPasswordResetRequired Status = "password_reset_required"
)

// Valid reports whether s is one of the known states.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusSuspended, StatusInvited, StatusPasswordResetRequired:
		return true
	}
	return false
}

// Member is an account. Email is stored as entered; lookups go through
// Canonical(Email) and Username (always canonical).
type Member struct {
	ID                int64
	Email             string
	EmailVerified     bool
	Username          string
	Name              string
	FirstName         string
	LastName          string
	Bio               *string
	Mobile            string
	Status            Status
	PasswordHash      string
	PasswordChangedAt time.Time
	Roles             []RoleGrant
	MFAEnabled        bool
	MFASecret         string // base32 TOTP secret; sealed at rest by the store
	MFALastStep       int64  // last accepted TOTP time step (replay guard)
	Language          string // page and mail language (see Languages); "" when not chosen
	TimeZone          string // IANA time zone name for dates; "" means UTC
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// DisplayName is the name to greet the member with.
func (m Member) DisplayName() string {
	if n := strings.TrimSpace(m.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(m.FirstName + " " + m.LastName); n != "" {
		return n
	}
	return m.Username
}

// HasRole reports whether the member holds role in any group.
func (m Member) HasRole(role RoleID) bool {
	for _, g := range m.Roles {
		if g.Role == role {
			return true
		}
	}
	return false
}

// Canonical is the one form of a login identifier (email or username) used
// for uniqueness, lookups and rate-limit keys: Unicode NFKC, trimmed,
// lower-cased. Every entry point canonicalises through this function.
func Canonical(identifier string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(identifier)))
}

// RoleID identifies one of the fixed system roles (docs/contract.md §8).
type RoleID int64

// The system roles; their ids are fixed by the kotive contract.
const (
	RoleOwner RoleID = 1 // Account Owner
	RoleAdmin RoleID = 2 // User Administrator
	RoleMaker RoleID = 3 // Maker
)

// RootGroup is the id of the root organisation group.
const RootGroup int64 = 1

// Label returns the role's human name.
func (r RoleID) Label() string {
	switch r {
	case RoleOwner:
		return "Account Owner"
	case RoleAdmin:
		return "User Administrator"
	case RoleMaker:
		return "Maker"
	}
	return "Unknown"
}

// ParseRole maps the CLI names owner, admin and maker to role ids.
func ParseRole(s string) (RoleID, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "owner", "account owner", "1":
		return RoleOwner, true
	case "admin", "user administrator", "2":
		return RoleAdmin, true
	case "maker", "3":
		return RoleMaker, true
	}
	return 0, false
}

// RoleGrant is one role held in one group.
type RoleGrant struct {
	Group int64
	Role  RoleID
}
