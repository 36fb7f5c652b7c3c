package smtptest

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// LinkIn returns the first URL in msg that begins with prefix, or "" if there
// is none. It decodes the MIME structure (multipart, quoted-printable,
// base64) so soft line breaks never split a link, and looks at text/plain
// parts before HTML ones, whose links it HTML-unescapes.
func LinkIn(msg Message, prefix string) string {
	m, err := mail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		return ""
	}
	var texts, htmls []string
	collect(textproto.MIMEHeader(m.Header), m.Body, &texts, &htmls)
	for _, s := range texts {
		if u := findURL(s, prefix); u != "" {
			return u
		}
	}
	for _, s := range htmls {
		if u := findURL(html.UnescapeString(s), prefix); u != "" {
			return u
		}
	}
	return ""
}

// Bodies returns the decoded text/plain and text/html bodies of msg (empty
// when the message has no such part).
func Bodies(msg Message) (text, htmlBody string) {
	m, err := mail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		return "", ""
	}
	var texts, htmls []string
	collect(textproto.MIMEHeader(m.Header), m.Body, &texts, &htmls)
	return strings.Join(texts, "\n"), strings.Join(htmls, "\n")
}

// collect walks one MIME entity and appends the decoded text of its text/plain
// and text/html leaves.
func collect(h textproto.MIMEHeader, body io.Reader, texts, htmls *[]string) {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart() // raw: we decode transfer encodings ourselves
			if err != nil {
				return
			}
			collect(p.Header, p, texts, htmls)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // ignores CR and LF
	}
	b, err := io.ReadAll(r)
	if err != nil && len(b) == 0 {
		return
	}
	switch mediaType {
	case "text/plain":
		*texts = append(*texts, string(b))
	case "text/html":
		*htmls = append(*htmls, string(b))
	}
}

// findURL returns the URL starting at the first occurrence of prefix in s,
// ending at whitespace or a character that cannot end a URL in text or HTML.
func findURL(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i:]
	if j := strings.IndexAny(rest, " \t\r\n\"'<>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
