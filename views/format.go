package views

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/auth"
)

// field describes one labelled input rendered by formField.
type field struct {
	Name         string // the input's name, also its id
	Label        string
	Type         string // input type; "textarea" renders a textarea
	Value        string // never set for passwords
	Autocomplete string
	Hint         string
	Error        string
	Required     bool
	Optional     bool // adds "(optional)" to the label
	ReadOnly     bool
	MinLength    int
	MaxLength    int
}

func (f field) id() string      { return f.Name }
func (f field) hintID() string  { return f.Name + "-hint" }
func (f field) errorID() string { return f.Name + "-error" }

// describedBy lists the error first so screen readers announce it before
// the hint.
func (f field) describedBy() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, f.errorID())
	}
	if f.Hint != "" {
		ids = append(ids, f.hintID())
	}
	return strings.Join(ids, " ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// summaryItem is one line of an error summary; Target is the id of the
// input it links to, empty when the error belongs to no visible input.
type summaryItem struct {
	Target  string
	Message string
}

// summarize returns an error summary's title and items; both are empty when
// the form has nothing to report.
func summarize(msg string, errs map[string]string, fields ...string) (string, []summaryItem) {
	items := summaryItems(errs, fields...)
	return summaryTitle(msg, errs, items), items
}

// summaryItems orders errs by the form's inputs (fields) and appends errors
// for keys the form does not show, so no message is ever dropped. The
// empty key is the form-level message and becomes the summary's title.
func summaryItems(errs map[string]string, fields ...string) []summaryItem {
	var items []summaryItem
	for _, name := range fields {
		if msg := errs[name]; msg != "" {
			items = append(items, summaryItem{Target: name, Message: msg})
		}
	}
	var rest []string
	for k, msg := range errs {
		if msg != "" && k != "" && !slices.Contains(fields, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		items = append(items, summaryItem{Message: errs[k]})
	}
	return items
}

// summaryTitle is the summary's heading: the form-level message (msg, else
// errs[""]), or a pointer to the highlighted inputs when only field errors
// exist.
func summaryTitle(msg string, errs map[string]string, items []summaryItem) string {
	if msg != "" {
		return msg
	}
	if msg := errs[""]; msg != "" {
		return msg
	}
	for _, it := range items {
		if it.Target != "" {
			return "Please check the highlighted fields."
		}
	}
	return ""
}

// formatTime renders t readably in the page's time zone (the member's,
// UTC when none) and language, with the zone's abbreviation; the zero time
// renders as a dash.
func formatTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	p := Page(ctx)
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if Lang(ctx) == "ja" {
		return t.Format("2006年1月2日 15:04 MST")
	}
	return t.Format("2 Jan 2006 15:04 MST")
}

// machineTime is the datetime attribute of a <time> element.
func machineTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// deviceName shortens a user agent to "Browser on OS" when it recognises
// both, and otherwise truncates it.
func deviceName(ctx context.Context, ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return T(ctx, "device.unknown")
	}
	browser := firstMatch(ua, [][2]string{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"Chromium/", "Chromium"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"CriOS/", "Chrome"}, {"FxiOS/", "Firefox"},
		{"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client", "Go client"},
	})
	os := firstMatch(ua, [][2]string{
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
		{"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	})
	switch {
	case browser != "" && os != "":
		return Tf(ctx, "device.browser_on_os", map[string]any{"Browser": browser, "OS": os})
	case browser != "":
		return browser
	}
	const max = 48
	if r := []rune(ua); len(r) > max {
		return string(r[:max]) + "…"
	}
	return ua
}

func firstMatch(s string, table [][2]string) string {
	for _, m := range table {
		if strings.Contains(s, m[0]) {
			return m[1]
		}
	}
	return ""
}

// viaLabel names the front door a session came through.
func viaLabel(ctx context.Context, via string) string {
	switch via {
	case auth.ViaPage, "":
		return T(ctx, "via.page")
	case auth.ViaCLI:
		return T(ctx, "via.cli")
	}
	return Tf(ctx, "via.api", map[string]any{"Via": via})
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func revokeURL(id int64) string {
	return "/account/sessions/" + strconv.FormatInt(id, 10) + "/revoke"
}

// errorTitle falls back to the HTTP status text, then to a generic title.
// A title that is the status text of p.Status is translated.
func errorTitle(ctx context.Context, p ErrorProps) string {
	if p.Title != "" && p.Title != http.StatusText(p.Status) {
		return tMsg(ctx, p.Title)
	}
	if t := http.StatusText(p.Status); t != "" {
		if s := T(ctx, "error.status_"+itoa(p.Status)); s != "error.status_"+itoa(p.Status) {
			return s
		}
		return t
	}
	return T(ctx, "error.generic")
}

// webLink reports whether link may be rendered as a clickable anchor: only
// absolute http and https URLs, never javascript: or data:.
func webLink(link string) bool {
	l := strings.ToLower(link)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// newestFirst returns a sorted copy; the caller's slice is left alone.
func newestFirst(mails []DevMail) []DevMail {
	out := slices.Clone(mails)
	slices.SortStableFunc(out, func(a, b DevMail) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		switch {
		case a.ID > b.ID:
			return -1
		case a.ID < b.ID:
			return 1
		}
		return 0
	})
	return out
}

// lockedEmailHint explains a read-only email on an invitation.
func lockedEmailHint(ctx context.Context, locked bool) string {
	if locked {
		return T(ctx, "form.locked_email")
	}
	return ""
}
