package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check is one readiness condition of /readyz: Run returns nil when it
// holds. Name appears in the answer; the error goes to the log only, since
// /readyz is public and errors may name files.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// handleReady answers /readyz: 200 when every check holds, else 503 with
// the failing ones named. Unlike /healthz (is the process up and its
// database answering), it says whether this instance should get traffic:
// migrations applied, outbox worker alive, not shutting down.
func (s *server) handleReady() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		c.Set("Cache-Control", "no-store")
		checks := fiber.Map{}
		status, word := fiber.StatusOK, "ready"
		for _, ch := range s.checks {
			if err := ch.Run(ctx); err != nil {
				s.log.Warn("readiness check failed", "check", ch.Name, "err", err.Error())
				checks[ch.Name] = "fail"
				status, word = fiber.StatusServiceUnavailable, "unavailable"
				continue
			}
			checks[ch.Name] = "ok"
		}
		return c.Status(status).JSON(fiber.Map{"status": word, "checks": checks})
	}
}
