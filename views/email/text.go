package email

import "strings"

// The plain-text parts: short lines, the link alone on its own line so mail
// clients make it clickable and nothing wraps into it.

func resetText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"Someone asked to reset the password of your "+p.Product+" account.",
		"Open this link to choose a new password:",
		"",
		p.Link,
		"",
		"The link works once and expires in "+minutes(p.Expires)+".",
		"",
		"If you did not ask for this, you can ignore this email:",
		"your password stays as it is.",
		"",
		"- "+p.Product,
	)
}

func passwordChangedText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"The password of your "+p.Product+" account was just changed.",
		"",
		"If this was you, there is nothing else to do.",
		"",
		"If this wasn't you, reset your password now:",
		"",
		p.Link,
		"",
		"- "+p.Product,
	)
}

func welcomeText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"Welcome to "+p.Product+". Your account is ready.",
		"Open your account here:",
		"",
		p.Link,
		"",
		"If you did not sign up, you can ignore this email.",
		"",
		"- "+p.Product,
	)
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
