package auth

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // time zones resolve even where the system has no zoneinfo
)

const (
	msgBadLanguage = "Choose one of the languages offered."
	msgBadTimeZone = "Enter a time zone from the IANA database, like Europe/Berlin or Asia/Tokyo."
	maxTimeZoneLen = 64
)

// CheckTimeZone cleans an IANA time zone name: "" (not chosen, meaning UTC)
// or a name time.LoadLocation knows. "Local" is refused: the server's own
// zone means nothing to a member.
func CheckTimeZone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	if len(name) > maxTimeZoneLen || name == "Local" {
		return "", FieldError("time_zone", msgBadTimeZone)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", FieldError("time_zone", msgBadTimeZone)
	}
	return name, nil
}

// Location is the member's time zone, UTC when none is chosen (or the
// stored name no longer loads).
func (m Member) Location() *time.Location {
	if m.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SetPreferences sets the member's language ("" for the browser's choice,
// else one of Languages) and time zone ("" for UTC, else an IANA name).
// Both fields are checked together, so a form shows every problem at once.
func (s *Service) SetPreferences(ctx context.Context, memberID int64, language, timeZone string) (Member, error) {
	language = strings.TrimSpace(language)
	var langErr error
	if language != "" && !SupportedLanguage(language) {
		langErr = FieldError("language", msgBadLanguage)
	}
	tz, tzErr := CheckTimeZone(timeZone)
	if err := mergeFields(langErr, tzErr); err != nil {
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		if m, err = tx.MemberByID(ctx, memberID); err != nil {
			return err
		}
		m.Language, m.TimeZone = language, tz
		return tx.SetPreferences(ctx, memberID, language, tz)
	})
	return m, err
}

// SetLanguage changes only the member's language (the pages' language
// switch); the time zone stays.
func (s *Service) SetLanguage(ctx context.Context, memberID int64, language string) error {
	if !SupportedLanguage(language) {
		return FieldError("language", msgBadLanguage)
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		return tx.SetPreferences(ctx, memberID, language, m.TimeZone)
	})
}
