package auth

import (
	"context"
	"fmt"
	"strconv"
)

// AdminGrantProxy lets actorID log in as targetID. Both must be members the
// admin administers; a target holding an admin role can never be proxied
// into (docs/security.md X3), so such a grant is refused. Granting oneself needs a
// recent sign-in.
func (s *Service) AdminGrantProxy(ctx context.Context, a Actor, targetID, actorID int64) (ProxyGrant, error) {
	var g ProxyGrant
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		target, err := s.loadTarget(ctx, tx, a, targetID)
		if err != nil {
			return err
		}
		actor, err := s.loadTarget(ctx, tx, a, actorID)
		if err != nil {
			return err
		}
		if targetID == actorID {
			msg := "A member cannot be allowed to log in as themselves."
			return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"actor": msg}}
		}
		if IsAdmin(target) {
			return &Error{Code: EFORBIDDEN, Message: "Nobody may log in as a member who holds an admin role."}
		}
		if actsOnSelf(a, actorID) {
			if err := s.requireFresh(a, "proxy rights"); err != nil {
				return err
			}
		}
		g = ProxyGrant{TargetID: targetID, ActorID: actorID, CreatedAt: s.clock(), CreatedBy: a.RealID()}
		if err := tx.GrantProxy(ctx, &g); err != nil {
			if ErrorCode(err) == ECONFLICT {
				msg := actor.Email + " may already log in as this member."
				return &Error{Code: ECONFLICT, Message: msg, Fields: map[string]string{"actor": msg}}
			}
			return err
		}
		return s.audit(ctx, tx, a, AuditProxyGrant, targetID, fmt.Sprintf("%s (#%d) may log in as %s", actor.Email, actor.ID, target.Email), g.ID)
	})
	if err != nil {
		return ProxyGrant{}, err
	}
	return g, nil
}

// AdminRevokeProxy withdraws actorID's right to log in as targetID and ends
// their running proxy sessions as targetID in the same transaction.
func (s *Service) AdminRevokeProxy(ctx context.Context, a Actor, targetID, actorID int64) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		target, err := s.loadTarget(ctx, tx, a, targetID)
		if err != nil {
			return err
		}
		g, err := tx.ProxyGrantOf(ctx, targetID, actorID)
		if isNotFound(err) {
			return &Error{Code: ENOTFOUND, Message: "This member is not allowed to log in as " + target.Email + "."}
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeProxy(ctx, targetID, actorID); err != nil {
			return err
		}
		n, err := tx.RevokeProxySessions(ctx, targetID, actorID, s.clock())
		if err != nil {
			return err
		}
		who := "#" + strconv.FormatInt(actorID, 10)
		if actor, err := tx.MemberByID(ctx, actorID); err == nil {
			who = actor.Email + " (" + who + ")"
		}
		return s.audit(ctx, tx, a, AuditProxyRevoke, targetID, fmt.Sprintf("%s may no longer log in as %s; %d proxy session(s) ended", who, target.Email, n), g.ID)
	})
}

// AdminProxyGrants lists who may log in as the target.
func (s *Service) AdminProxyGrants(ctx context.Context, a Actor, targetID int64) ([]ProxyGrant, error) {
	if _, err := s.loadTarget(ctx, s.store, a, targetID); err != nil {
		return nil, err
	}
	return s.store.ProxyGrantsForTarget(ctx, targetID)
}

// AdminAudit returns audit entries, newest first. Admins of the root group
// read the whole log; a group admin reads the entries of one member they
// administer (q.MemberID).
func (s *Service) AdminAudit(ctx context.Context, a Actor, q AuditQuery) ([]AuditEntry, error) {
	if err := s.requireAdmin(a); err != nil {
		return nil, err
	}
	rc, err := s.reachOf(ctx, s.store, a)
	if err != nil {
		return nil, err
	}
	if !rc.root {
		if q.MemberID == 0 {
			return nil, errRootAdminOnly
		}
		m, err := s.store.MemberByID(ctx, q.MemberID)
		if isNotFound(err) {
			return nil, errMemberNotFound
		}
		if err != nil {
			return nil, err
		}
		if err := s.requireAdminOver(ctx, s.store, a, m); err != nil {
			return nil, err
		}
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	return s.store.ListAudit(ctx, q)
}
