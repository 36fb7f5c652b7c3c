package directus

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"gatehouse/web/api"
)

// Limits on one GraphQL request. They bound the work a document can ask
// for before anything runs: the lexer stops after gqlMaxTokens, and depth,
// aliases and root fields are counted on the parsed document. The depth
// leaves room for graphql-js's getIntrospectionQuery (about 12 levels).
const (
	gqlMaxTokens     = 10000
	gqlMaxDepth      = 15
	gqlMaxAliases    = 30
	gqlMaxRootFields = 10 // per query operation
	gqlMaxMutations  = 1  // per mutation operation: one credential check per request
)

// codeGraphQLValidation is Directus's code for a document that does not
// fit the schema (GraphQLValidationError).
const codeGraphQLValidation = "GRAPHQL_VALIDATION"

// graphqlRequest is the body of POST /graphql/system.
type graphqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// gqlErrorItem is one entry of a GraphQL answer's "errors".
type gqlErrorItem struct {
	Message    string              `json:"message"`
	Locations  []gqlerror.Location `json:"locations,omitempty"`
	Path       []any               `json:"path,omitempty"`
	Extensions errorExtension      `json:"extensions"`
}

// gqlAnswer is a GraphQL answer: data, errors, or both.
type gqlAnswer struct {
	Data   any            `json:"data,omitempty"`
	Errors []gqlErrorItem `json:"errors,omitempty"`
}

// graphqlSystem is POST /graphql/system (seed 003, the GraphQL examples;
// Directus 11's system endpoint). The document is parsed and validated by
// gqlparser against systemSchema; queries (users_me, server_ping and
// introspection) and one auth mutation per request run through the same
// code as the REST routes. A body that is not a GraphQL request is 400
// INVALID_PAYLOAD; syntax errors (INVALID_PAYLOAD), validation and limit
// errors (GRAPHQL_VALIDATION) and execution errors (the REST codes, with
// the field null in data) answer HTTP 200 in Directus's error shape, but
// for a rate limit or overload (429 or 503 with Retry-After).
func graphqlSystem(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req graphqlRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if strings.TrimSpace(req.Query) == "" {
			return respondError(c, d, api.FieldProblem("query", "Must provide query string"))
		}
		op, vars, errs := gqlPrepare(req)
		if errs != nil {
			return c.JSON(gqlAnswer{Errors: errs})
		}
		ex := &executor{vars: vars, ctxFor: mutationContext}
		var root gqlObject = queryRoot{c: c, d: d}
		if op.Operation == ast.Mutation {
			root = mutationRoot{c: c, d: d}
		}
		data := ex.object(root, op.SelectionSet, nil)
		ans := gqlAnswer{Data: data}
		status := fiber.StatusOK
		for _, fe := range ex.errs {
			ve := mapError(fe.err, fe.ec)
			logInternal(c, d, fe.err, ve)
			it := item(ve)
			ans.Errors = append(ans.Errors, gqlErrorItem{Message: it.Message, Path: fe.path, Extensions: it.Extensions})
			// A rate limit or overload keeps its 429 or 503 and
			// Retry-After, as Directus's limiter answers before GraphQL
			// runs: a client backs off on this door as on REST.
			if ve.Status == fiber.StatusTooManyRequests || ve.Status == fiber.StatusServiceUnavailable {
				status = ve.Status
				setRetry(c, ve)
			}
		}
		return c.Status(status).JSON(ans)
	}
}

// gqlPrepare parses, bounds and validates the document, picks the
// operation and coerces the variables. A non-nil error list is the answer.
func gqlPrepare(req graphqlRequest) (*ast.OperationDefinition, map[string]any, []gqlErrorItem) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: req.Query}, gqlMaxTokens)
	if err != nil {
		items := gqlErrors(err, codeInvalidPayload)
		for i := range items {
			items[i].Message = "Syntax Error: " + items[i].Message
		}
		return nil, nil, items
	}
	if err := checkLimits(doc); err != nil {
		return nil, nil, gqlErrors(err, codeGraphQLValidation)
	}
	if errs := validator.ValidateWithRules(systemSchema, doc, rules.NewDefaultRules()); len(errs) > 0 {
		return nil, nil, gqlErrors(errs, codeGraphQLValidation)
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		msg := fmt.Sprintf("Unknown operation named %q.", req.OperationName)
		if req.OperationName == "" {
			msg = "Must provide operation name if query contains multiple operations."
		}
		return nil, nil, gqlErrors(gqlerror.Errorf("%s", msg), codeGraphQLValidation)
	}
	if op.Operation == ast.Subscription {
		return nil, nil, gqlErrors(gqlerror.Errorf("Subscriptions are not served here."), codeGraphQLValidation)
	}
	vars, err := validator.VariableValues(systemSchema, op, req.Variables)
	if err != nil {
		return nil, nil, gqlErrors(err, codeGraphQLValidation)
	}
	if err := checkRootFields(op, vars); err != nil {
		return nil, nil, gqlErrors(err, codeGraphQLValidation)
	}
	return op, vars, nil
}

// gqlErrors turns gqlparser errors into answer items with code.
func gqlErrors(err error, code string) []gqlErrorItem {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		list = gqlerror.List{gqlerror.Wrap(err)}
	}
	out := make([]gqlErrorItem, 0, len(list))
	for _, e := range list {
		out = append(out, gqlErrorItem{Message: e.Message, Locations: e.Locations, Extensions: errorExtension{Code: code}})
	}
	return out
}
