package auth

import "context"

// NeedsFirstOwner reports whether no Account Owner exists in the root group
// yet: a fresh database, or one where only self-registered Makers exist.
// Nobody can then administer members from the pages, so the server points
// the operator to the command line.
func (s *Service) NeedsFirstOwner(ctx context.Context) (bool, error) {
	n, err := s.store.CountMembersWithRole(ctx, RoleOwner, RootGroup)
	return n == 0, err
}
