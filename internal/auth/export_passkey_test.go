package auth

// Test hooks of the passkey rules for the external test package.
var (
	CheckPasskeyUse   = checkPasskeyUse
	PasskeyCredential = Passkey.credential
)
