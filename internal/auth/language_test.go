package auth

import "testing"

func TestChooseLanguage(t *testing.T) {
	cases := []struct {
		name                   string
		member, cookie, header string
		want                   string
	}{
		{"nothing known is English", "", "", "", "en"},
		{"the member's setting wins over cookie and header", "ja", "en", "en-US", "ja"},
		{"the member's English wins over a Japanese browser", "en", "ja", "ja", "en"},
		{"the cookie wins over the header", "", "ja", "en-US,en;q=0.9", "ja"},
		{"the header when nothing is set", "", "", "ja-JP,ja;q=0.9,en;q=0.5", "ja"},
		{"a weighted header picks the preferred match", "", "", "fr;q=1,ja;q=0.8,en;q=0.5", "ja"},
		{"an unknown language falls back to English", "", "", "fr-FR,de;q=0.8", "en"},
		{"a bad header falls back to English", "", "", ";;;q=x", "en"},
		{"an unsupported cookie is skipped", "", "klingon", "ja", "ja"},
		{"an unsupported member setting is skipped", "fr", "", "", "en"},
		{"case and spaces are forgiven", " JA ", "", "", "ja"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ChooseLanguage(tc.member, tc.cookie, tc.header); got != tc.want {
				t.Fatalf("ChooseLanguage(%q, %q, %q) = %q, want %q", tc.member, tc.cookie, tc.header, got, tc.want)
			}
		})
	}
}
