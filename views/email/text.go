package email

import "strings"

// The plain-text parts: short paragraphs, the link alone on its own line so
// mail clients make it clickable and nothing wraps into it. Every sentence
// comes from the catalogs (views/locales) in the mail's language.

func resetText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.reset.asked"),
		p.t("mail.reset.open_link"),
		"",
		p.Link,
		"",
		p.t("mail.reset.expires", "Minutes", minutes(p, p.Expires)),
		tempPasswordLine(p),
		p.t("mail.ignore_password"),
		"",
		"- "+p.Product,
	)
}

func passwordChangedText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.changed.body"),
		"",
		p.t("mail.changed.not_you"),
		"",
		p.Link,
		"",
		"- "+p.Product,
	)
}

func welcomeText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.welcome.body"),
		"",
		p.Link,
		"",
		p.t("mail.welcome.ignore"),
		"",
		"- "+p.Product,
	)
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func resetCodeText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.reset.asked"),
		p.t("mail.code.enter"),
		"",
		p.Code,
		"",
		p.t("mail.code.expires", "Minutes", minutes(p, p.Expires)),
		p.t("mail.ignore"),
		"",
		"- "+p.Product,
	)
}

func inviteText(p props) string {
	return lines(
		p.t("mail.hello"),
		"",
		p.t("mail.invite.asked"),
		p.t("mail.invite.create_text"),
		"",
		p.Link,
		"",
		p.t("mail.invite.expires"),
		p.t("mail.ignore"),
		"",
		"- "+p.Product,
	)
}

func registerAttemptText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.attempt.body"),
		"",
		p.t("mail.attempt.if_you"),
		"",
		p.Link,
		"",
		"- "+p.Product,
	)
}

// tempPasswordLine is the kuroco reminder's temporary password, or a blank
// line when there is none.
func tempPasswordLine(p props) string {
	if p.TempPassword == "" {
		return ""
	}
	return p.t("mail.reset.temp") + " " + p.TempPassword + "\n"
}

func adminInviteText(p props) string {
	return lines(
		greeting(p),
		"",
		p.t("mail.admin_invite.body"),
		p.t("mail.admin_invite.choose_text"),
		"",
		p.Link,
		"",
		p.t("mail.admin_invite.once"),
		"",
		"- "+p.Product,
	)
}
