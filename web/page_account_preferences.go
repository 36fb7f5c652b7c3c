package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// localPreferenceErrors carries the preferences section's errors and the
// refused values to renderAccountWith.
const localPreferenceErrors = "preference_errors"

type refusedPreferences struct {
	language, timeZone string
	errs               map[string]string
}

// preferencesProps fills the account page's language and time zone section.
func (s *server) preferencesProps(c *fiber.Ctx) views.PreferencesProps {
	m, _ := currentMember(c)
	p := views.PreferencesProps{Language: m.Language, TimeZone: m.TimeZone, Proxied: currentActor(c).Proxied()}
	if r, ok := c.Locals(localPreferenceErrors).(refusedPreferences); ok {
		p.Language, p.TimeZone, p.Errors = r.language, r.timeZone, r.errs
	}
	return p
}

// handlePreferencesSubmit saves the member's language and time zone (POST
// /account/preferences: language, time_zone); a bad value re-renders the
// account page with the field's message.
func (s *server) handlePreferencesSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _ := currentMember(c)
		lang, tz := form(c, "language"), form(c, "time_zone")
		saved, err := s.auth.SetPreferences(c.UserContext(), m.ID, lang, tz)
		if err != nil {
			if auth.ErrorCode(err) != auth.EINVALID {
				return err
			}
			c.Locals(localPreferenceErrors, refusedPreferences{language: lang, timeZone: tz, errs: fieldsOrForm(err)})
			return s.renderAccountWith(c, statusOf(err), views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{}, "")
		}
		*m = saved // the confirmation is in the language just chosen
		sess(c).flash(views.Tr(pageLanguage(c, m), "prefs.saved", nil))
		return redirect(c, "/account#preferences")
	}
}
