// Package email renders the bodies of the transactional mails the outbox
// sends: a subject, a plain-text part and an inline-styled HTML part per mail
// kind (auth.MailReset, auth.MailPasswordChanged, auth.MailWelcome).
//
// Everything taken from the mail's data is escaped by templ in the HTML part;
// links are only made clickable when they are absolute http(s) URLs.
package email

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/a-h/templ"

	"gatehouse/internal/auth"
)

// DefaultProduct is the product name used when the data carries none.
const DefaultProduct = "Gatehouse"

// Rendered is one mail, ready to be handed to a sender.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// props is what every template sees, already cleaned of control characters.
type props struct {
	Name    string // may be empty
	Product string
	Link    string
	Expires int // minutes; reset only
}

// Render renders the mail of the given kind from its outbox data. Data keys:
// "name" (optional), "link" (required, absolute URL), "product" (optional,
// default DefaultProduct) and, for auth.MailReset, "expires_minutes" (a
// positive integer). An unknown kind or missing data is an error, since a
// mail without its link is of no use to its recipient.
func Render(kind string, data map[string]string) (Rendered, error) {
	p := props{
		Name:    clean(data["name"]),
		Product: clean(data["product"]),
		Link:    strings.TrimSpace(data["link"]),
	}
	if p.Product == "" {
		p.Product = DefaultProduct
	}
	if p.Link == "" || strings.ContainsFunc(p.Link, unicode.IsControl) {
		return Rendered{}, fmt.Errorf("email: %s: missing or invalid link", kind)
	}

	var (
		subject string
		html    templ.Component
		text    string
	)
	switch kind {
	case auth.MailReset:
		n, err := strconv.Atoi(data["expires_minutes"])
		if err != nil || n <= 0 {
			return Rendered{}, fmt.Errorf("email: %s: expires_minutes must be a positive integer", kind)
		}
		p.Expires = n
		subject = "Reset your " + p.Product + " password"
		html, text = resetHTML(p, subject), resetText(p)
	case auth.MailPasswordChanged:
		subject = "Your " + p.Product + " password was changed"
		html, text = passwordChangedHTML(p, subject), passwordChangedText(p)
	case auth.MailWelcome:
		subject = "Welcome to " + p.Product
		html, text = welcomeHTML(p, subject), welcomeText(p)
	default:
		return Rendered{}, fmt.Errorf("email: unknown mail kind %q", kind)
	}

	var buf bytes.Buffer
	if err := html.Render(context.Background(), &buf); err != nil {
		return Rendered{}, fmt.Errorf("email: %s: render html: %w", kind, err)
	}
	return Rendered{Subject: subject, Text: text, HTML: buf.String()}, nil
}

// clean collapses whitespace and drops control characters (CR, LF, tabs…),
// so a display name cannot forge extra lines in the text part.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// safeLink returns link as a templ.SafeURL when it is an absolute http(s)
// URL; anything else is shown as text only, never made clickable.
func safeLink(link string) (templ.SafeURL, bool) {
	l := strings.ToLower(link)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return templ.SafeURL(link), true
	}
	return "", false
}

// greeting is the salutation shared by both parts.
func greeting(name string) string {
	if name == "" {
		return "Hello,"
	}
	return "Hi " + name + ","
}

// minutes renders "1 minute" or "N minutes".
func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}
