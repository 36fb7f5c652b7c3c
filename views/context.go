// Package views renders Gatehouse's server-side pages with templ. Each page
// is one exported component taking one props struct; the values every page
// needs (CSRF token, flash, signed-in member) travel in the context through
// WithPage and Page.
package views

import (
	"context"
	"time"

	"gatehouse/internal/auth"
)

// DefaultProductName is the name shown when PageContext.ProductName is empty.
const DefaultProductName = "Gatehouse"

// PageContext carries the cross-cutting values every page needs.
type PageContext struct {
	CSRF        string       // token for the hidden _csrf field of every form
	Flash       string       // a one-time success message, shown once
	Member      *auth.Member // the signed-in member, nil when anonymous
	DevMail     bool         // dev mode: link to /_dev/mail in the footer
	ProductName string       // "Gatehouse" by default
	// PasswordMinLength is the configured minimum password length (8 when
	// zero); forms use it for the hint and the minlength attribute.
	PasswordMinLength int
	// ResetMinutes is the lifetime of a reset link (60 when zero).
	ResetMinutes int
	// Proxy, when set, is the "Acting as B — return to A" banner every page
	// shows inside a proxy session.
	Proxy *ProxyBanner
	// Failed marks the answer to a request that did not succeed (a form
	// re-rendered with errors, an error page): the title starts with
	// "Error: " so that the first thing announced says so.
	Failed bool
	// Lang is the page's language (auth.ChooseLanguage decides it); T
	// translates into it. Empty means English.
	Lang string
	// Location is the time zone dates are shown in; nil means UTC.
	Location *time.Location
	// Path is the request path, where the footer's language switch returns.
	Path string
}

// ProxyBanner names the real member (ActorName, A) and the member they act
// as (TargetName, B) in a proxy session.
type ProxyBanner struct {
	ActorName  string
	TargetName string
}

type pageKey struct{}

// WithPage returns a copy of ctx carrying p for the layout and forms.
func WithPage(ctx context.Context, p PageContext) context.Context {
	return context.WithValue(ctx, pageKey{}, p)
}

// Page returns the PageContext stored by WithPage, or the zero value with
// ProductName "Gatehouse" when there is none.
func Page(ctx context.Context) PageContext {
	var p PageContext
	if ctx != nil {
		p, _ = ctx.Value(pageKey{}).(PageContext)
	}
	if p.ProductName == "" {
		p.ProductName = DefaultProductName
	}
	if p.PasswordMinLength == 0 {
		p.PasswordMinLength = 8
	}
	if p.ResetMinutes == 0 {
		p.ResetMinutes = 60
	}
	return p
}

// passwordHint is the hint under every new-password field.
func passwordHint(ctx context.Context) string {
	return Tf(ctx, "form.password_hint", map[string]any{"N": Page(ctx).PasswordMinLength})
}

// proxyStartURL is the action of a "Log in as" button.
func proxyStartURL(id int64) string { return "/proxy/start/" + itoa(int(id)) }
