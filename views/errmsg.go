package views

import (
	"context"
	"strings"
)

// authMessageKeys maps the English messages of internal/auth errors that
// forms show to their catalog keys. The domain keeps English messages (the
// JSON APIs document them); pages translate the known ones here and show any
// other message as it is, in English.
var authMessageKeys = map[string]string{
	"Enter a valid email address, like name@example.com.":                                        "autherr.email_invalid",
	"Enter your email address.":                                                                  "autherr.email_required",
	"Use the address the invitation was sent to.":                                                "autherr.email_invite",
	"Use 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.": "autherr.username",
	"This password is too common. Choose something harder to guess.":                             "autherr.password_common",
	"Password must not be your email address or username.":                                       "autherr.password_identity",
	"Password must not be the name of this service.":                                             "autherr.password_service",
	"Password contains invalid characters.":                                                      "autherr.password_chars",
	"Enter a new password.":                                                                      "autherr.password_required",
	"Choose a password different from your current one.":                                         "autherr.password_same",
	"Choose a password different from the temporary one.":                                        "autherr.password_temporary",
	"The passwords do not match.":                                                                "autherr.passwords_differ",
	"Your current password is required to change your email address or password.":                "autherr.current_required",
	"Your current password is incorrect.":                                                        "autherr.current_wrong",
	"Say why you log in as this member (at least 3 characters).":                                 "autherr.reason",
	"Use at most 64 characters, on one line.":                                                    "autherr.name_long",
	"Use digits, spaces and + ( ) - . / only.":                                                   "autherr.mobile",
	"Internal error.":                             "autherr.internal",
	"Internal error. Please try again.":           "error.internal",
	"Incorrect login or password.":                "autherr.login_invalid",
	"Invalid one-time password.":                  "autherr.otp_invalid",
	"Enter the code from your authenticator app.": "autherr.otp_required",
	"Too many attempts. Please try again later.":  "autherr.too_many",
	"Something went wrong":                        "error.generic",
	"Page not found":                              "error.title_not_found",
	"Not allowed":                                 "error.title_forbidden",
	"Method not allowed":                          "error.title_method",
	"Request too large":                           "error.title_too_large",
	"Too many attempts":                           "error.title_too_many",
	"Sign in required":                            "error.title_sign_in",
	"Busy":                                        "error.title_busy",
	"Request refused":                             "error.title_refused",
	"Choose one of the languages offered.":        "autherr.language",
	"Enter a time zone from the IANA database, like Europe/Berlin or Asia/Tokyo.":      "autherr.time_zone",
	"Adding a passkey needs JavaScript and a browser that supports passkeys.":          "flash.passkey_needs_js",
	"The endpoint has been removed.":                                                   "flash.endpoint_removed",
	"The file has been deleted.":                                                       "flash.file_deleted",
	"The member's details have been saved.":                                            "flash.member_saved",
	"The provider has been unlinked.":                                                  "flash.provider_unlinked",
	"The session has been signed out.":                                                 "flash.session_ended",
	"Two-factor authentication is off.":                                                "flash.tfa_off",
	"Two-factor setup expired. Start again.":                                           "flash.tfa_expired",
	"You have been signed out.":                                                        "flash.signed_out",
	"Your new password is set. Welcome!":                                               "flash.new_password",
	"Your passkey has been added.":                                                     "flash.passkey_added",
	"Your passkey has been removed.":                                                   "flash.passkey_removed",
	"Your passkey has been renamed.":                                                   "flash.passkey_renamed",
	"Your password has been changed. Sign in with your new password.":                  "flash.password_changed_signin",
	"Your password has been changed.":                                                  "flash.password_changed",
	"Your profile has been saved.":                                                     "flash.profile_saved",
	"Incorrect email or password.":                                                     "autherr.login_incorrect",
	"Your session has ended. Please sign in again.":                                    "autherr.session_ended",
	"Member created. An invitation email is on its way.":                               "flash.member_invited",
	"Member created with a temporary password; they must replace it at first sign-in.": "flash.member_temp",
	"The profile image has been updated.":                                              "flash.avatar_updated",
	"The member has been suspended and signed out everywhere.":                         "flash.member_suspended",
	"The member has been reactivated.":                                                 "flash.member_reactivated",
	"A password reset link is on its way to the member.":                               "flash.reset_sent",
	"Ended 1 session.":                                                                 "flash.one_session",
	"The member's roles have been saved.":                                              "flash.roles_saved",
	"The member may now log in as this member.":                                        "flash.proxy_granted",
	"The permission has been removed.":                                                 "flash.permission_removed",
	"The group has been created.":                                                      "flash.group_created",
	"The group has been saved.":                                                        "flash.group_saved",
	"The group has been deleted.":                                                      "flash.group_deleted",
	"Account Owner":                                                                    "role.owner",
	"User Administrator":                                                               "role.admin",
	"Maker":                                                                            "role.maker",
	"That code was already used — wait for the next code.":                             "tfaerr.replayed",
	"Enter your current password.":                                                     "tfaerr.password",
	"Enter the 6-digit code from your app.":                                            "tfaerr.code",
	"That code is not right. Check the time on your phone and enter the current code.": "tfaerr.wrong_code",
	"Enter your current password or a code.":                                           "tfaerr.password_or_code",
	"Enter a code from your app or a recovery code.":                                   "tfaerr.code_or_recovery",
	"Incorrect password.":                                                              "tfaerr.incorrect_password",
	"Tick the box to confirm that the passkey should be removed.":                      "passkeyerr.confirm",
	"Please check the highlighted fields.":                                             "form.check_fields",
}

// tMsg translates a message that came from internal/auth or a handler in
// English; an unknown message is returned unchanged.
func tMsg(ctx context.Context, msg string) string {
	if key, ok := authMessageKeys[strings.TrimSpace(msg)]; ok {
		return T(ctx, key)
	}
	return msg
}
