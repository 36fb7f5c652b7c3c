package kotive

// The Kotive wire types, with the field names of seed 002.

// loginResponse is the body of GET/POST /api/login.
type loginResponse struct {
	AuthToken   string       `json:"authToken"`
	SystemRoles []role       `json:"systemRoles"`
	UserRoles   []userRole   `json:"userRoles"`
	GroupsIndex []groupIndex `json:"groupsIndex"`
	User        user         `json:"user"`
}

// role is a system role: its fixed id and human label.
type role struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// userRole is one role the member holds in one group.
type userRole struct {
	UserID  int64 `json:"userId"`
	Role    role  `json:"role"`
	GroupID int64 `json:"groupId"`
}

// groupIndex is one group the member belongs to. ParentID is an integer as
// in the seed; the root organisation, which has no parent, has parentId 0
// (no group has id 0), so a client walking up the tree stops at a falsy
// parentId instead of looping on a root that is its own parent.
type groupIndex struct {
	ID       int64 `json:"id"`
	ParentID int64 `json:"parentId"`
}

// user is the member's account; the password is always four stars;
// firstname and lastname are the member's, or split from the name
// (auth.Member.FirstLast).
type user struct {
	Email     string `json:"email"`
	Username  string `json:"username"`
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
	ID        int64  `json:"id"`
	Mobile    string `json:"mobile"`
	Password  string `json:"password"`
}

// resetPasswordRequest is the body of POST /api/user/resetpassword.
type resetPasswordRequest struct {
	Email string `json:"email"`
}

// errorBody is the kotive error envelope.
type errorBody struct {
	Message string `json:"message"`
}

// hiddenPassword is what the user object shows instead of the password.
const hiddenPassword = "****"
