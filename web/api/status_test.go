package api_test

import (
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// A listed code answers its row; any other code, and the empty code of a
// plain error, is a 500.
func TestStatusTable(t *testing.T) {
	table := api.StatusTable{auth.EINVALID: 422, auth.ERATELIMIT: 429}
	for code, want := range map[string]int{auth.EINVALID: 422, auth.ERATELIMIT: 429, auth.ENOTFOUND: 500, "": 500} {
		if got := table.Of(code); got != want {
			t.Errorf("Of(%q) = %d, want %d", code, got, want)
		}
	}
}
