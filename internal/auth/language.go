package auth

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// DefaultLanguage is the language of every page and mail when nothing else
// is known, and of every API error message.
const DefaultLanguage = "en"

// Languages are the languages Gatehouse's pages and mails are written in
// (views/locales holds one catalog per entry), the default first.
var Languages = []string{"en", "ja"}

// languageMatcher matches Accept-Language against Languages, in their
// order: ChooseLanguage maps the match's index back into Languages.
var languageMatcher = func() language.Matcher {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	return language.NewMatcher(tags)
}()

// SupportedLanguage reports whether code names one of Languages exactly.
func SupportedLanguage(code string) bool { return slices.Contains(Languages, code) }

// ChooseLanguage is the one place that decides a page's language: the
// member's own setting, else the browser's lang cookie (the footer switch),
// else the best match of the Accept-Language header, else English. Values
// that name no supported language are skipped, never trusted.
func ChooseLanguage(memberSetting, cookie, acceptLanguage string) string {
	for _, v := range []string{memberSetting, cookie} {
		if v = strings.ToLower(strings.TrimSpace(v)); SupportedLanguage(v) {
			return v
		}
	}
	if acceptLanguage == "" {
		return DefaultLanguage
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return DefaultLanguage
	}
	_, i, conf := languageMatcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(Languages) {
		return DefaultLanguage
	}
	return Languages[i]
}
