package views

import (
	"context"
	"embed"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"gatehouse/internal/auth"
)

// Message catalogs: one TOML file per language in auth.Languages, keys
// "page.thing" (flat, quoted). The English catalog is the reference: every
// key exists there, and i18n_test.go fails when another catalog misses one.
//
//go:embed locales/*.toml
var localeFS embed.FS

var (
	bundleOnce sync.Once
	localizers map[string]*i18n.Localizer
)

func loadCatalogs() {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	localizers = map[string]*i18n.Localizer{}
	for _, l := range auth.Languages {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+l+".toml"); err != nil {
			panic("views: catalog " + l + ": " + err.Error())
		}
		localizers[l] = i18n.NewLocalizer(b, l, auth.DefaultLanguage)
	}
}

// Lang returns the page's language code (auth.DefaultLanguage when unset).
func Lang(ctx context.Context) string {
	if l := Page(ctx).Lang; auth.SupportedLanguage(l) {
		return l
	}
	return auth.DefaultLanguage
}

// T returns the message key in the page's language. A key missing in that
// language falls back to English, a key missing everywhere to the key itself
// (which the catalog tests forbid).
func T(ctx context.Context, key string) string { return Tr(Lang(ctx), key, nil) }

// Tf is T with values for the message's {{.Name}} placeholders.
func Tf(ctx context.Context, key string, data map[string]any) string {
	return Tr(Lang(ctx), key, data)
}

// Tr translates key into lang; mails, which have no page context, use it.
func Tr(lang, key string, data map[string]any) string {
	bundleOnce.Do(loadCatalogs)
	lc, ok := localizers[lang]
	if !ok {
		lc = localizers[auth.DefaultLanguage]
	}
	s, err := lc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil || s == "" {
		return key
	}
	return s
}

// languageChoice is one button of the footer's language switch.
type languageChoice struct{ Code, Name string }

// languageChoices lists auth.Languages with their own names.
var languageChoices = []languageChoice{{"en", "English"}, {"ja", "日本語"}}

func pressed(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
