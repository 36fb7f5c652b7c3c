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
		tempPasswordLine(p.TempPassword),
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
		"Welcome to "+p.Product+". Your account is ready: sign in with your email",
		"address and the password you chose:",
		"",
		p.Link,
		"",
		"If you did not sign up, you can ignore this email.",
		"",
		"- "+p.Product,
	)
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func resetCodeText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"Someone asked to reset the password of your "+p.Product+" account.",
		"Your confirmation code:",
		"",
		p.Code,
		"",
		"The code works once and expires in "+minutes(p.Expires)+".",
		"If you did not ask for this, you can ignore this email.",
		"",
		"- "+p.Product,
	)
}

func inviteText(p props) string {
	return lines(
		"Hello,",
		"",
		"Someone asked to reset a "+p.Product+" password for this address,",
		"but it has no account yet. Create one here:",
		"",
		p.Link,
		"",
		"The invitation expires in 7 days.",
		"If you did not ask for this, you can ignore this email.",
		"",
		"- "+p.Product,
	)
}

func registerAttemptText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"Someone tried to create a new "+p.Product+" account with this email",
		"address, which already has an account. No second account was created.",
		"",
		"If it was you, sign in instead, or reset your password:",
		"",
		p.Link,
		"",
		"- "+p.Product,
	)
}

// tempPasswordLine is the kuroco reminder's temporary password, or a blank
// line when there is none.
func tempPasswordLine(pw string) string {
	if pw == "" {
		return ""
	}
	return "Your temporary password: " + pw + "\n"
}

func adminInviteText(p props) string {
	return lines(
		greeting(p.Name),
		"",
		"An administrator created a "+p.Product+" account for you.",
		"Choose your password here:",
		"",
		p.Link,
		"",
		"The link works once. If you did not expect this, you can ignore this email.",
		"",
		"- "+p.Product,
	)
}
