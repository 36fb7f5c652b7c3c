package directus

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// tfaGenerate is POST /users/me/tfa/generate: a new TOTP secret after the
// password is checked; nothing is stored until tfa/enable.
func tfaGenerate(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tfaGenerateRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		res, err := generateTOTP(c, d, req)
		if err != nil {
			return respondError(c, d, err)
		}
		return c.JSON(dataBody{Data: res})
	}
}

func generateTOTP(c *fiber.Ctx, d api.Deps, req tfaGenerateRequest) (tfaSecret, error) {
	_, sess, err := api.Authenticate(c, d)
	if err != nil {
		return tfaSecret{}, err
	}
	if err := api.Required("password", req.Password); err != nil {
		return tfaSecret{}, err
	}
	s, err := d.Auth.GenerateTOTP(c.UserContext(), sess.ID, req.Password, api.Meta(c))
	if err != nil {
		return tfaSecret{}, err
	}
	return tfaSecret{Secret: s.Secret, OTPAuthURL: s.OTPAuthURL}, nil
}

// tfaEnable is POST /users/me/tfa/enable: 204 once otp is valid for secret.
func tfaEnable(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tfaEnableRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if err := enableTOTP(c, d, req); err != nil {
			return respondError(c, d, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func enableTOTP(c *fiber.Ctx, d api.Deps, req tfaEnableRequest) error {
	_, sess, err := api.Authenticate(c, d)
	if err != nil {
		return err
	}
	if err := api.Required("secret", req.Secret, "otp", req.OTP); err != nil {
		return err
	}
	return d.Auth.EnableTOTP(c.UserContext(), sess.ID, strings.Clone(req.Secret), strings.TrimSpace(req.OTP))
}

// tfaDisable is POST /users/me/tfa/disable: 204 given a valid current code.
func tfaDisable(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tfaDisableRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if err := disableTOTP(c, d, req); err != nil {
			return respondError(c, d, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func disableTOTP(c *fiber.Ctx, d api.Deps, req tfaDisableRequest) error {
	_, sess, err := api.Authenticate(c, d)
	if err != nil {
		return err
	}
	if err := api.Required("otp", req.OTP); err != nil {
		return err
	}
	return d.Auth.DisableTOTP(c.UserContext(), sess.ID, strings.TrimSpace(req.OTP), api.Meta(c))
}
