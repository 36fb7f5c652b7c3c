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
	"Enter a time zone from the IANA database, like Europe/Berlin or Asia/Tokyo.": "autherr.time_zone",
	"Please check the highlighted fields.":                                        "form.check_fields",
}

// tMsg translates a message that came from internal/auth or a handler in
// English; an unknown message is returned unchanged.
func tMsg(ctx context.Context, msg string) string {
	if key, ok := authMessageKeys[strings.TrimSpace(msg)]; ok {
		return T(ctx, key)
	}
	return msg
}
