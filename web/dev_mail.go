package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
	"gatehouse/views/email"
)

// devMailLimit is how many of the newest outbox mails the dev mailbox shows.
const devMailLimit = 50

// handleDevMail lists the outbox in dev mode (no SMTP configured): the way to
// read reset links on a laptop. It is not routed in prod.
func (s *server) handleDevMail() fiber.Handler {
	return func(c *fiber.Ctx) error {
		mails, err := s.devMails(c)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.DevMailPage(views.DevMailProps{Mails: mails}))
	}
}

// devMailJSON is one mail of /_dev/mail.json.
type devMailJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	Links     []string  `json:"links"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

// handleDevMailJSON is the dev mailbox for scripts and tests.
func (s *server) handleDevMailJSON() fiber.Handler {
	return func(c *fiber.Ctx) error {
		mails, err := s.auth.DevMail(c.UserContext(), devMailLimit)
		if err != nil {
			return err
		}
		out := make([]devMailJSON, 0, len(mails))
		for _, m := range mails {
			r, _ := email.Render(m.Kind, m.Data)
			out = append(out, devMailJSON{ID: m.ID, Kind: m.Kind, To: m.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
				Links: mailLinks(m), Status: mailStatus(m), CreatedAt: m.CreatedAt})
		}
		return c.JSON(out)
	}
}

func (s *server) devMails(c *fiber.Ctx) ([]views.DevMail, error) {
	mails, err := s.auth.DevMail(c.UserContext(), devMailLimit)
	if err != nil {
		return nil, err
	}
	out := make([]views.DevMail, 0, len(mails))
	for _, m := range mails {
		r, err := email.Render(m.Kind, m.Data)
		if err != nil {
			r.Subject, r.Text = "("+m.Kind+")", err.Error()
		}
		out = append(out, views.DevMail{ID: m.ID, To: m.To, Subject: r.Subject, Kind: m.Kind, Status: mailStatus(m),
			CreatedAt: m.CreatedAt, Text: r.Text, Links: mailLinks(m)})
	}
	return out, nil
}

func mailLinks(m auth.Mail) []string {
	if l := m.Data["link"]; l != "" {
		return []string{l}
	}
	return nil
}

func mailStatus(m auth.Mail) string {
	switch {
	case m.SentAt != nil:
		return "sent"
	case m.DroppedAt != nil:
		return "dropped"
	case m.Attempts > 0:
		return "retrying"
	}
	return "queued"
}
