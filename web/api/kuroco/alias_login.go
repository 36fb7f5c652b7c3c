package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// aliasLogin implements seed 000 "Login › alias_login": the signed-in
// member logs in as aliaslogin_id (a proxy login, docs/contract.md §9) and gets a
// grant for the target, in login_challenge's shape. The core refuses a
// target without a grant, a missing one, an admin and a chain with the same
// 403 (docs/security.md X1–X3).
func aliasLogin(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, s, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, err)
		}
		var req aliasLoginRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		if req.AliasLoginID == nil {
			return respondError(c, api.FieldProblem("aliaslogin_id", `"aliaslogin_id" is required.`))
		}
		if *req.AliasLoginID <= 0 {
			return respondError(c, api.FieldProblem("aliaslogin_id", `"aliaslogin_id" must be a positive member id.`))
		}
		m, g, err := d.Auth.AliasLogin(c.UserContext(), s, int64(*req.AliasLoginID), req.Reason)
		if err != nil {
			return respondError(c, err)
		}
		return c.JSON(newGrantResponse(m, g))
	}
}
