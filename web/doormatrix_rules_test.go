package web_test

import (
	"fmt"
	"testing"
	"time"
)

// TestDoorMatrix runs every applicable cell of the matrix
// (doormatrix_test.go), each in an environment of its own.
func TestDoorMatrix(t *testing.T) {
	runners := map[string]func(t *testing.T, d door){
		ruleThrottle: cellThrottle, ruleLockout: cellLockout, ruleTwoFactor: cellTwoFactor,
		ruleProxy: cellProxy, ruleIdentical: cellIdentical,
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			for _, rule := range allRules {
				t.Run(rule, func(t *testing.T) {
					if why := d.na[rule]; why != "" {
						t.Skip("does not apply: " + why)
					}
					runners[rule](t, d)
				})
			}
		})
	}
}

// failed checks that a is an ordinary failure: not a success, not a rate
// limit, not a server error.
func failed(t *testing.T, d door, a answer, what string) {
	t.Helper()
	if d.isOK(a) || d.isLimited(a) || a.status >= 500 {
		t.Fatalf("%s: %s, want an ordinary failure", what, a)
	}
}

func limited(t *testing.T, d door, a answer, what string) {
	t.Helper()
	if !d.isLimited(a) {
		t.Fatalf("%s: %s (Retry-After %q, Location %q), want the door's rate limit", what, a, a.header.Get("Retry-After"), a.header.Get("Location"))
	}
}

func succeeded(t *testing.T, d door, a answer, what string) {
	t.Helper()
	if !d.isOK(a) {
		t.Fatalf("%s: %s, want success", what, a)
	}
}

// dmIPLimit is the per-IP allowance of the throttle cells.
const dmIPLimit = 4

// cellThrottle: one IP failing on the door across accounts is refused
// with the door's 429 once it used its allowance; another IP is not.
func cellThrottle(t *testing.T, d door) {
	x := newMX(t, dmIPLimit)
	if d.mfa {
		for _, who := range append([]string{dmAnn}, dmSpread...) {
			x.enableMFA(who)
		}
	}
	c, other := x.client("198.51.100.7"), x.client("198.51.100.8")
	if d.prime != nil {
		for _, who := range dmSpread {
			d.prime(x, c, who)
		}
		d.prime(x, other, dmAnn)
	}
	for i := range dmIPLimit {
		failed(t, d, d.try(x, c, dmSpread[i], false), fmt.Sprintf("failure %d from one IP", i+1))
	}
	limited(t, d, d.try(x, c, dmSpread[dmIPLimit], false), "one more failure from that IP")
	failed(t, d, d.try(x, other, dmAnn, false), "a failure from another IP")
}

// cellLockout: ten failures at the door lock the account for the client
// that made them: the right secret is then refused with the door's 429
// (and, for doors that name an account, so is a stranger with the right
// secret); after the backoff the right secret works.
func cellLockout(t *testing.T, d door) {
	x := newMX(t, 0)
	if d.mfa {
		x.enableMFA(dmAnn)
	}
	c := x.client("198.51.100.7")
	if d.prime != nil {
		d.prime(x, c, dmAnn)
	}
	for i := range 10 {
		failed(t, d, d.try(x, c, dmAnn, false), fmt.Sprintf("failure %d", i+1))
	}
	limited(t, d, d.try(x, c, dmAnn, true), "the right secret after ten failures")
	if d.kind == loginDoor || d.kind == codeDoor {
		s := x.client("198.51.100.9")
		if d.prime != nil {
			d.prime(x, s, dmAnn)
		}
		limited(t, d, d.try(x, s, dmAnn, true), "the right secret from a client that never signed in")
	}
	x.e.Clock.Advance(2 * time.Minute)
	succeeded(t, d, d.try(x, c, dmAnn, true), "the right secret after the backoff")
}

// cellTwoFactor: a member with MFA on does not sign in with the password
// alone; a credential change from a session that did not pass the second
// factor is refused. Both work with the code (where the door carries one).
func cellTwoFactor(t *testing.T, d door) {
	x := newMX(t, 0)
	c := x.client("198.51.100.7")
	if d.kind == changeDoor {
		d.prime(x, c, dmAnn) // a session from before two-factor was on
	}
	x.enableMFA(dmAnn)
	a := d.try(x, c, dmAnn, true)
	if d.isOK(a) || a.status >= 500 {
		t.Fatalf("the right password alone: %s, want a refusal", a)
	}
	if !x.passwordIs(dmAnn, goodPassword) {
		t.Fatal("the password changed")
	}
	c2 := x.client("198.51.100.8")
	switch {
	case d.kind == changeDoor:
		d.prime(x, c2, dmAnn) // signs in with the code
		succeeded(t, d, d.try(x, c2, dmAnn, true), "the same change from a session that passed the code")
	case d.withCode != nil:
		succeeded(t, d, d.withCode(x, c2, dmAnn, x.code(dmAnn)), "the password with the code")
	}
}

// cellProxy: a proxy session (alice acting as ann) is refused the change
// with the door's 403, and nothing changes; ann's own session may.
func cellProxy(t *testing.T, d door) {
	x := newMX(t, 0)
	if d.mfa {
		x.enableMFA(dmAnn)
	}
	p := x.proxyClient("198.51.100.7")
	a := d.try(x, p, dmAnn, true)
	if !d.isRefused(a) {
		t.Fatalf("from a proxy session: %s, want the door's 403", a)
	}
	if !x.passwordIs(dmAnn, goodPassword) {
		t.Fatal("the password changed")
	}
	own := x.client("198.51.100.8")
	d.prime(x, own, dmAnn)
	succeeded(t, d, d.try(x, own, dmAnn, true), "the same request from ann's own session")
}

// cellIdentical: an unknown account and a known one with a wrong secret
// get the same answer; so do a known account locked by others from
// another IP and a locked unknown identifier, probed with the right secret.
func cellIdentical(t *testing.T, d door) {
	x := newMX(t, 0)
	if d.mfa {
		x.enableMFA(dmAnn)
	}
	idents := []string{dmAnn, dmNone, dmGhost}
	ip := "198.51.100.7"
	unknown, known := d.try(x, x.client(ip), dmNone, false), d.try(x, x.client(ip), dmAnn, false)
	failed(t, d, known, "a wrong secret")
	if nu, nk := normalize(unknown, idents...), normalize(known, idents...); nu != nk {
		t.Errorf("an unknown account answers\n%s\na known one with a wrong secret\n%s", nu, nk)
	}
	y := x.client("198.51.100.66")
	for range 10 {
		d.try(x, y, dmAnn, false)
		d.try(x, y, dmGhost, false)
	}
	lk, lu := d.try(x, x.client("198.51.100.77"), dmAnn, true), d.try(x, x.client("198.51.100.77"), dmGhost, true)
	limited(t, d, lk, "a locked account")
	if nk, nu := normalize(lk, idents...), normalize(lu, idents...); nk != nu {
		t.Errorf("a known account locked by others answers\n%s\na locked unknown identifier\n%s", nk, nu)
	}
}
