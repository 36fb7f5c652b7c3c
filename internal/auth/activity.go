package auth

import (
	"context"
	"strings"
	"time"
)

// SecurityActivity is what a member sees on their "Security activity" page
// (docs/decisions.md "Audit events and proxy safeguards"): their recent
// sign-ins, their live sessions, and every proxy session into the account.
type SecurityActivity struct {
	SignIns  []AuditEntry // auth.signin and auth.signin_failed entries, newest first
	Sessions []Session    // live sessions, newest first
	Proxy    []ProxyVisit // newest first
}

// ProxyVisit is one proxy session into the member's account, rebuilt from
// its proxy.start entry and the matching proxy.stop.
type ProxyVisit struct {
	ActorID int64
	Actor   string // display name and email of the actor, or "member #id"
	Start   time.Time
	End     time.Time // the return, or the cap; for an ongoing visit, the cap
	Ongoing bool
	Reason  string
	Door    string
	IP      string
}

// activityLimit bounds each list of the page.
const activityLimit = 20

// SecurityActivity loads the page of the session's member. A proxy session
// is refused (docs/security.md X4): the actor must not read the member's
// sign-ins and devices.
func (s *Service) SecurityActivity(ctx context.Context, sessionID int64) (SecurityActivity, error) {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return SecurityActivity{}, err
	}
	id := sess.MemberID
	var out SecurityActivity
	if out.Sessions, err = s.store.ListSessions(ctx, id, s.clock()); err != nil {
		return SecurityActivity{}, err
	}
	if out.SignIns, err = s.subjectEntries(ctx, id, "auth.", activityLimit, func(e AuditEntry) bool {
		return e.Action == AuditSignIn || e.Action == AuditSignInFailed
	}); err != nil {
		return SecurityActivity{}, err
	}
	entries, err := s.subjectEntries(ctx, id, "proxy.", 200, func(e AuditEntry) bool {
		return e.Action == AuditProxyStart || e.Action == AuditProxyStop
	})
	if err != nil {
		return SecurityActivity{}, err
	}
	out.Proxy = s.proxyVisits(ctx, entries)
	return out, nil
}

// subjectEntries pages through the entries about member (as subject) whose
// action starts with prefix, keeping those keep accepts, newest first.
func (s *Service) subjectEntries(ctx context.Context, member int64, prefix string, want int, keep func(AuditEntry) bool) ([]AuditEntry, error) {
	var out []AuditEntry
	q := AuditQuery{MemberID: member, Action: prefix, Limit: 200}
	for range 10 {
		list, err := s.store.ListAudit(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.SubjectID == member && keep(e) && len(out) < want {
				out = append(out, e)
			}
		}
		if len(list) < q.Limit || len(out) >= want {
			break
		}
		q.Before = list[len(list)-1].ID
	}
	return out, nil
}

// proxyVisits pairs each proxy.start (newest first) with the first
// proxy.stop of the same actor after it; a visit without one ends at the
// cap (ongoing while the cap is ahead).
func (s *Service) proxyVisits(ctx context.Context, entries []AuditEntry) []ProxyVisit {
	now := s.clock()
	names := map[int64]string{}
	var out []ProxyVisit
	for i, e := range entries {
		if e.Action != AuditProxyStart {
			continue
		}
		v := ProxyVisit{ActorID: e.ActorID, Start: e.At, End: e.At.Add(s.cfg.ProxyMaxAge), Door: e.Door, IP: e.IP}
		if _, r, ok := strings.Cut(e.Detail, "Reason: "); ok {
			v.Reason = r
		}
		stopped := false
		for j := i - 1; j >= 0; j-- { // newer entries come first
			if st := entries[j]; st.Action == AuditProxyStop && st.ActorID == e.ActorID {
				if st.At.Before(v.End) {
					v.End = st.At
				}
				stopped = true
				break
			}
			if entries[j].Action == AuditProxyStart && entries[j].ActorID == e.ActorID {
				break // a later visit of the same actor: this one was not returned from
			}
		}
		v.Ongoing = !stopped && now.Before(v.End)
		if _, ok := names[e.ActorID]; !ok {
			names[e.ActorID] = memberLabel(Member{}, e.ActorID)
			if m, err := s.store.MemberByID(ctx, e.ActorID); err == nil {
				names[e.ActorID] = memberLabel(m, m.ID)
			}
		}
		v.Actor = names[e.ActorID]
		out = append(out, v)
		if len(out) == activityLimit {
			break
		}
	}
	return out
}
