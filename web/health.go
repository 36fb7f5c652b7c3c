package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// handleHealth answers 200 when the store answers, 503 otherwise.
func (s *server) handleHealth() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		c.Set("Cache-Control", "no-store")
		if err := s.ready(ctx); err != nil {
			s.log.Error("health check failed", "err", err.Error())
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
		}
		return c.JSON(fiber.Map{"status": "ok"})
	}
}
