package views

import (
	"time"

	"gatehouse/internal/auth"
)

// LoginProps feeds LoginPage. Error is the single, deliberately vague
// message for a failed sign-in; the password is never echoed back.
type LoginProps struct {
	Identifier string
	Error      string
	// SetupCommand, when set (dev only, while no Account Owner exists), is
	// the command that creates the first one.
	SetupCommand string
	Providers    []ProviderLink // "Continue with …" buttons
}

// ProviderLink is one configured sign-in provider on the sign-in and
// sign-up pages: Name goes into /login/with/{name}, Label is shown.
type ProviderLink struct {
	Name  string
	Label string
}

// RegisterProps feeds RegisterPage. Errors maps an input name (name, email,
// username, password, confirm) to its message; Error is a form-level message.
// Invite is the invitation token carried through the form, and EmailLocked
// makes the email read-only because the invitation fixes it.
type RegisterProps struct {
	Providers   []ProviderLink
	Name        string
	FirstName   string
	LastName    string
	Email       string
	Username    string
	Errors      map[string]string
	Error       string
	Invite      string
	EmailLocked bool
}

// ForgotProps feeds ForgotPasswordPage. Sent shows the neutral confirmation
// instead of the form.
type ForgotProps struct {
	Email  string
	Sent   bool
	Errors map[string]string
}

// ResetProps feeds ResetPasswordPage. Invalid replaces the form with a
// message and a link to request a new reset link.
type ResetProps struct {
	Token   string
	Invalid bool
	Errors  map[string]string
	// Invited: the link comes from an invitation, so the member has never
	// had a password and is choosing their first one.
	Invited bool
}

// NewPasswordProps feeds NewPasswordPage, shown after signing in with a
// temporary password set by an administrator.
type NewPasswordProps struct {
	Errors map[string]string
}

// AccountProps feeds AccountPage.
type AccountProps struct {
	Member   auth.Member
	Profile  ProfileForm
	Password PasswordForm
	Sessions []SessionRow
	// ProxyTargets are the members who allow this member to log in as them
	// ("Log in as…", POST /proxy/start/{id}); empty inside a proxy session.
	ProxyTargets []auth.Member
	// ProxyActivity lists proxy logins into this member ("A signed in as
	// you at …"), newest first.
	ProxyActivity []auth.AuditEntry
	// Proxied marks a proxy session: account-security changes are refused.
	Proxied bool
	// Files is the profile image and attachments section (files.templ).
	Files FilesProps
	// Identities are the member's linked sign-in providers (unlink: POST
	// /account/providers/{id}/unlink); Linkable the configured providers
	// not linked yet (GET /account/providers/{name}/link).
	Identities []IdentityRow
	Linkable   []ProviderLink
	// TwoFactor is the two-factor section (account_twofactor.templ).
	TwoFactor TwoFactorProps
	// Passkeys is the passkeys section (account_passkeys.templ).
	Passkeys PasskeysProps
	// Preferences is the language and time zone section (account_preferences.templ).
	Preferences PreferencesProps
	// Apps is the "Apps you allowed" section (account_apps.templ).
	Apps AppsProps
}

// IdentityRow is one linked provider account on the account page.
type IdentityRow struct {
	ID    int64
	Label string
	Email string
}

// ProfileForm holds the values and per-input errors of the profile form
// (inputs name, username, bio).
type ProfileForm struct {
	Name     string
	Username string
	Bio      string
	Errors   map[string]string
}

// PasswordForm holds the per-input errors of the change-password form
// (inputs current_password, new_password, confirm_password). Passwords are
// never re-displayed, so there are no values.
type PasswordForm struct {
	Errors map[string]string
}

// SessionRow is one session in the account page's list. Current marks the
// session making this request, which cannot be revoked from the list.
type SessionRow struct {
	ID         int64
	Current    bool
	Via        string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// ErrorProps feeds ErrorPage. Title defaults to the HTTP status text.
type ErrorProps struct {
	Status  int
	Title   string
	Message string
	// Back is the same-site page the visitor came from ("" when unknown):
	// the page offers to go back there (a link, so no script is needed).
	Back string
}

// DevMailProps feeds DevMailPage, the development mailbox.
type DevMailProps struct {
	Mails []DevMail
}

// DevMail is one captured outgoing mail. Links are the URLs found in the
// body; only http and https links are rendered clickable.
type DevMail struct {
	ID        int64
	To        string
	Subject   string
	Kind      string
	Status    string
	CreatedAt time.Time
	Text      string
	Links     []string
}

// OTPProps feeds OTPPage. Errors["otp"] (or "" for the form) holds the
// refusal message.
type OTPProps struct {
	Errors map[string]string
}
