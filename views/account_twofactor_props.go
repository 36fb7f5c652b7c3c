package views

// TwoFactorProps is the two-factor section of the account page
// (account_twofactor.templ).
type TwoFactorProps struct {
	Enabled   bool
	CodesLeft int  // unused recovery codes
	Proxied   bool // a proxy session: every form disabled
	// Setup is set while a secret waits for its first code (after "Set
	// up"): the QR code as an inline SVG document and the secret in
	// groups of four for typing.
	Setup  bool
	QRSVG  string
	Secret string
	// Codes are fresh recovery codes, shown once (after enabling or
	// regenerating).
	Codes []string
	// Errors are field messages by input name ("" for the form).
	Errors map[string]string
	// Form names the form Errors belong to: "setup", "confirm",
	// "regenerate" or "disable".
	Form string
}

// errs returns the field errors when they belong to form.
func (p TwoFactorProps) errs(form string) map[string]string {
	if p.Form != form {
		return nil
	}
	return p.Errors
}
