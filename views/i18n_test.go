package views

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/BurntSushi/toml"

	"gatehouse/internal/auth"
)

func catalogKeys(t *testing.T, lang string) map[string]string {
	t.Helper()
	raw, err := localeFS.ReadFile("locales/" + lang + ".toml")
	if err != nil {
		t.Fatalf("catalog %s: %v", lang, err)
	}
	var m map[string]any
	if err := toml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("catalog %s: %v", lang, err)
	}
	out := map[string]string{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			t.Errorf("catalog %s: %q is not a non-empty string", lang, k)
		}
		out[k] = s
	}
	return out
}

// Every language has exactly the English keys: a key added to one catalog
// and forgotten in another fails here.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	en := catalogKeys(t, auth.DefaultLanguage)
	if len(en) < 50 {
		t.Fatalf("English catalog has only %d keys", len(en))
	}
	for _, lang := range auth.Languages {
		other := catalogKeys(t, lang)
		for k := range en {
			if _, ok := other[k]; !ok {
				t.Errorf("%s.toml misses %q", lang, k)
			}
		}
		for k := range other {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.toml has %q, which en.toml lacks", lang, k)
			}
		}
	}
}

var keyUse = regexp.MustCompile(`(?:\bT[fr]?\((?:ctx|lang|[a-zA-Z.]+), |\bp\.t\()"([^"]+)"[,)]`)

// Every key the templates and view code use exists in the English catalog.
func TestTemplatesUseKnownKeys(t *testing.T) {
	en := catalogKeys(t, auth.DefaultLanguage)
	files, _ := filepath.Glob("*.templ")
	more, _ := filepath.Glob("*.go")
	email, _ := filepath.Glob("email/*.go")
	emailT, _ := filepath.Glob("email/*.templ")
	files = append(files, more...)
	files = append(files, email...)
	files = append(files, emailT...)
	used := 0
	for _, f := range files {
		if filepath.Ext(f) == ".go" && (slices.Contains([]string{"i18n_test.go"}, filepath.Base(f)) || regexp.MustCompile(`_templ\.go$`).MatchString(f)) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllSubmatch(src, -1) {
			used++
			if _, ok := en[string(m[1])]; !ok {
				t.Errorf("%s uses %q, missing from en.toml", f, m[1])
			}
		}
	}
	for _, key := range authMessageKeys {
		if _, ok := en[key]; !ok {
			t.Errorf("authMessageKeys names %q, missing from en.toml", key)
		}
	}
	if used < 50 {
		t.Fatalf("found only %d key uses; is the scan broken?", used)
	}
}

// The English messages authMessageKeys maps are the English catalog's text,
// so a page in English shows the domain's message unchanged.
func TestAuthMessagesRoundTrip(t *testing.T) {
	ctx := WithPage(context.Background(), PageContext{Lang: "en"})
	for msg := range authMessageKeys {
		if got := tMsg(ctx, msg); got != msg {
			t.Errorf("English of %q is %q", msg, got)
		}
	}
	ja := WithPage(context.Background(), PageContext{Lang: "ja"})
	if got := tMsg(ja, "The passwords do not match."); got != "パスワードが一致しません。" {
		t.Errorf("Japanese: %q", got)
	}
	if got := tMsg(ja, "Some message nobody translated."); got != "Some message nobody translated." {
		t.Errorf("unknown message changed: %q", got)
	}
	if got := Tf(ja, "form.password_hint", map[string]any{"N": 12}); got != "12文字以上で入力してください。長いパスフレーズも使えます。" {
		t.Errorf("placeholder: %q", got)
	}
	if got := T(WithPage(context.Background(), PageContext{Lang: "xx"}), "login.title"); got != "Sign in" {
		t.Errorf("unknown language: %q", got)
	}
}
