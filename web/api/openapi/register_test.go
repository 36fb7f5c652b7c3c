package openapi_test

import (
	"strings"
	"testing"
)

func TestGoldenRegister(t *testing.T) {
	e := newEnv(t)
	golden(t, "register_201", e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "email": annEmail, "password": annPass, "confirm": annPass}))
	golden(t, "register_400_email_taken", e.Do("POST", "/auth/register", map[string]any{"name": "Ann Again", "email": "ANN@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_name_short", e.Do("POST", "/auth/register", map[string]any{"name": "Ann", "email": "c@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_name_long", e.Do("POST", "/auth/register", map[string]any{"name": strings.Repeat("n", 21), "email": "c@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_fields", e.Do("POST", "/auth/register", map[string]any{"name": "Carol Doe", "email": "not-an-email", "password": "short", "confirm": "other"}))
	golden(t, "register_400_confirm", e.Do("POST", "/auth/register", map[string]any{"name": "Carol Doe", "email": "c@example.com", "password": annPass, "confirm": annPass + "!"}))
	golden(t, "register_400_empty", e.Do("POST", "/auth/register", "{}"))
	golden(t, "register_400_mistyped", e.Do("POST", "/auth/register", `{"name":"Carol Doe","email":42,"password":"x","confirm":"x"}`))
	golden(t, "register_400_malformed", e.Do("POST", "/auth/register", `{"name":`))
	golden(t, "register_415_content_type", e.Do("POST", "/auth/register", `name=Carol`, "Content-Type", "application/x-www-form-urlencoded"))
}

// TestRegisterBio: the optional bio is stored and returned.
func TestRegisterBio(t *testing.T) {
	e := newEnv(t)
	bio := "Likes hiking."
	res := e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "bio": bio, "email": annEmail, "password": annPass, "confirm": annPass})
	if res.StatusCode != 201 {
		t.Fatalf("register: %d %s", res.StatusCode, res.Body)
	}
	if got := str(res.JSON(), "user", "bio"); got != bio {
		t.Fatalf("bio not stored: %s", res.Body)
	}
	golden(t, "register_201_bio", res)
}
