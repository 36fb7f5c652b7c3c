package auth_test

import (
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

func TestSplitName(t *testing.T) {
	for _, c := range []struct{ in, first, last string }{
		{"John Doe", "John", "Doe"},
		{"  Mary   Ann  Lee ", "Mary", "Ann Lee"},
		{"Prince", "Prince", ""},
		{"", "", ""},
	} {
		if f, l := auth.SplitName(c.in); f != c.first || l != c.last {
			t.Errorf("SplitName(%q) = %q, %q", c.in, f, l)
		}
	}
	m := auth.Member{Name: "Grace Hopper"}
	if f, l := m.FirstLast(); f != "Grace" || l != "Hopper" {
		t.Errorf("FirstLast from the name: %q %q", f, l)
	}
	m.FirstName = "Amazing"
	if f, l := m.FirstLast(); f != "Amazing" || l != "" {
		t.Errorf("stored names win: %q %q", f, l)
	}
}

// TestRegisterNames: sign-up takes first and last names; given neither,
// the name is split; overlong ones are refused with the field named.
func TestRegisterNames(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	m, _, err := e.Svc.Register(ctx, auth.RegisterInput{Name: "Ann Marie Lee", Email: "ann@example.com", Password: pw, Via: auth.ViaPage})
	if err != nil || m.FirstName != "Ann" || m.LastName != "Marie Lee" {
		t.Fatalf("split: %v %+v", err, m)
	}
	m, _, err = e.Svc.Register(ctx, auth.RegisterInput{Name: "Bob", FirstName: " Robert ", LastName: "Jones", Email: "bob@example.com", Password: pw, Via: auth.ViaPage})
	if err != nil || m.FirstName != "Robert" || m.LastName != "Jones" {
		t.Fatalf("given: %v %+v", err, m)
	}
	_, _, err = e.Svc.Register(ctx, auth.RegisterInput{Name: "Cy", LastName: strings.Repeat("x", 101), Email: "cy@example.com", Password: pw, Via: auth.ViaPage})
	if auth.ErrorFields(err)["last_name"] == "" {
		t.Fatalf("overlong last name: %v", err)
	}
}
