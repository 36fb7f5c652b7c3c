package api

import "gatehouse/internal/auth"

// RenameFields returns err with its field names translated to a dialect's
// request names (the core names inputs generically: "password",
// "new_password"). Names not in names keep theirs; errors without fields
// pass unchanged.
func RenameFields(err error, names map[string]string) error {
	e := auth.AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		if n, ok := names[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return &out
}
