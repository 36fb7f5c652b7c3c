package api_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// decodeTarget has a field of every kind the dialects decode into.
type decodeTarget struct {
	Email    string            `json:"email"`
	Password string            `json:"password"`
	Save     int               `json:"login_save"`
	Flag     bool              `json:"flag"`
	Ratio    float64           `json:"ratio"`
	Ptr      *string           `json:"ptr"`
	List     []string          `json:"list"`
	Map      map[string]string `json:"map"`
	Any      any               `json:"variables"`
	Nested   struct {
		Email string `json:"email"`
	} `json:"user"`
}

// formTarget is what DecodeJSONOrForm fills from a form (string fields).
type formTarget struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// decodeApp answers 204 when decoding succeeded, 400 for an EINVALID error
// and 500 for anything else (which the fuzz target reports).
func decodeApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	answer := func(c *fiber.Ctx, err error) error {
		switch {
		case err == nil:
			return c.SendStatus(fiber.StatusNoContent)
		case auth.ErrorCode(err) == auth.EINVALID && auth.ErrorMessage(err) != "":
			return c.SendStatus(fiber.StatusBadRequest)
		}
		return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
	}
	app.Post("/json", func(c *fiber.Ctx) error {
		var v decodeTarget
		return answer(c, api.DecodeJSON(c, &v))
	})
	app.Post("/form", func(c *fiber.Ctx) error {
		var v formTarget
		return answer(c, api.DecodeJSONOrForm(c, &v))
	})
	app.Get("/extract", func(c *fiber.Ctx) error {
		cr, err := api.Extract(c, api.Deps{BrowserSession: func(*fiber.Ctx) int64 { return 0 }})
		if err == nil && cr.BasicUser != "" && cr.Token == "" {
			return c.Status(fiber.StatusInternalServerError).SendString("Basic user without a secret")
		}
		return answer(c, err)
	})
	return app
}

// FuzzDecode: DecodeJSON, DecodeJSONOrForm and Extract never panic and
// refuse bad input only with an EINVALID error that has a message.
func FuzzDecode(f *testing.F) {
	app := decodeApp()
	for _, s := range []string{``, `{}`, `{"email":"a@b","password":"p","login_save":1}`, `{"login_save":"1"}`,
		`{"login_save":1e999}`, `{"flag":"true"}`, `{"list":[1]}`, `{"map":{"a":1}}`, `{"user":{"email":[]}}`,
		`{"variables":{"a":[{"b":null}]}}`, `{"email":"a"}{"email":"b"}`, `{"email":"a"} x`, `[`, `{`, `{"email":`,
		"{\"email\":\"\xff\xfe\"}", `{"ptr":null}`, strings.Repeat(`{"variables":`, 20000), `username=a&password=b`,
		`username=%zz`, `username[]=a&username=b`, `a[999999999999]=1`, `;;;===&&&`,
	} {
		for ct := range 4 {
			f.Add(s, uint8(ct), "")
		}
	}
	for _, a := range []string{"Bearer x", "bearer  ", "Basic", "Basic !!!", "Basic YTpi", "Basic Og==", "Basic YQ==",
		"Basic " + strings.Repeat("A", 6000), "Digest x", "Bearer\tx"} {
		f.Add("", uint8(0), a)
	}
	cts := []string{"application/json", "application/x-www-form-urlencoded", "", "text/html"}
	f.Fuzz(func(t *testing.T, body string, ct uint8, authz string) {
		for _, path := range []string{"/json", "/form", "/extract"} {
			method, target := "POST", path
			var rd io.Reader = strings.NewReader(body)
			if path == "/extract" {
				method, rd = "GET", nil
				if len(body) < 2048 {
					target += "?access_token=" + strings.NewReplacer("&", "", "#", "", " ", "+").Replace(body)
				}
			}
			req := httptest.NewRequest(method, "http://x/", rd)
			req.URL.Opaque, req.RequestURI = target, target
			if c := cts[int(ct)%len(cts)]; c != "" {
				req.Header.Set("Content-Type", c)
			}
			if authz != "" && !strings.ContainsAny(authz, "\r\n\x00") {
				req.Header.Set("Authorization", authz)
			}
			res, err := app.Test(req, -1)
			if err != nil {
				continue // fasthttp refused to read the request (a 4xx on a real connection)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Fatalf("%s %q (Content-Type %q, Authorization %q): %d %s", method, body, cts[int(ct)%len(cts)], authz, res.StatusCode, raw)
			}
		}
	})
}
