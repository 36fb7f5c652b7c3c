package mail

import "testing"

func TestNewSMTPDefaultPorts(t *testing.T) {
	for url, want := range map[string]string{
		"smtp://mail.example.com":                  "mail.example.com:25",
		"smtp+starttls://u:p@mail.example.com":     "mail.example.com:587",
		"smtps://mail.example.com":                 "mail.example.com:465",
		"smtps://mail.example.com:2465":            "mail.example.com:2465",
		"smtp://[::1]:2525?insecure_skip_verify=1": "[::1]:2525",
	} {
		s, err := NewSMTP(url, "no-reply@example.com")
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		if s.addr != want {
			t.Errorf("%s: addr %q, want %q", url, s.addr, want)
		}
	}
}
