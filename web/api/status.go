package api

import "github.com/gofiber/fiber/v2"

// StatusTable maps domain error codes (auth.E…) to one transport's HTTP
// statuses: one table per transport, read at a glance. A code missing
// from the table is an internal error.
type StatusTable map[string]int

// Of returns code's status, 500 for a code the table does not list.
func (t StatusTable) Of(code string) int {
	if s, ok := t[code]; ok {
		return s
	}
	return fiber.StatusInternalServerError
}
