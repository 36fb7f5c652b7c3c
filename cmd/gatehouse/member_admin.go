package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/auth"
)

// The member administration commands. Members (M, T, A) are named by id,
// email or username; the command line acts as a trusted operator
// (auth.Actor{CLI: true}), through the same use cases as the member editor,
// so every change is audited with actor 0.

// cliActor is the actor of every command-line change.
var cliActor = auth.Actor{CLI: true}

// parseOne parses args into fs and returns the one positional argument,
// which may come before, between or after the flags.
func parseOne(fs *flag.FlagSet, args []string, what string) (string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			return "", usageIn(fs.Name(), "name the "+what+" (id, email or username)")
		}
		return "", usageIn(fs.Name(), fmt.Sprintf("unexpected argument %q", pos[1]))
	}
	return pos[0], nil
}

// resolveRef finds a member named on the command line.
func resolveRef(ctx context.Context, svc *auth.Service, flagName, ref string) (auth.Member, error) {
	m, err := svc.ResolveMember(ctx, ref)
	if err != nil {
		if auth.ErrorCode(err) == auth.ENOTFOUND {
			return auth.Member{}, fmt.Errorf("%s: no member with id, email or username %q", flagName, ref)
		}
		return auth.Member{}, describe(err)
	}
	return m, nil
}

// openMembers opens the service (openService) and finds the members named
// on the command line, each a flag name and its value (resolveRef); done
// closes the store.
func openMembers(ctx context.Context, config func() (Config, error), refs ...[2]string) (svc *auth.Service, ms []auth.Member, done func(), err error) {
	svc, done, err = openService(ctx, config)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, r := range refs {
		m, err := resolveRef(ctx, svc, r[0], r[1])
		if err != nil {
			done()
			return nil, nil, nil, err
		}
		ms = append(ms, m)
	}
	return svc, ms, done, nil
}

// label names a member in a confirmation line: `7 (ann@example.com)`.
func label(m auth.Member) string { return fmt.Sprintf("%d (%s)", m.ID, m.Email) }

// cmdMemberProxy is "member grant-proxy" (grant true) and "member
// revoke-proxy": whether the actor A may log in as the target T. Revoking
// ends A's running proxy sessions as T.
func cmdMemberProxy(ctx context.Context, grant bool, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "member revoke-proxy"
	if grant {
		name = "member grant-proxy"
	}
	fs := newFlagSet(name, name+" --target T --actor A [--db FILE]", stdout)
	target := fs.String("target", "", "the member to be logged in as: id, email or username (required)")
	actor := fs.String("actor", "", "the member who logs in as the target: id, email or username (required)")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--target and --actor are required", target, actor); err != nil {
		return err
	}
	svc, ms, done, err := openMembers(ctx, config, [2]string{"--target", *target}, [2]string{"--actor", *actor})
	if err != nil {
		return err
	}
	defer done()
	t, a := ms[0], ms[1]
	if grant {
		g, err := svc.AdminGrantProxy(ctx, cliActor, t.ID, a.ID)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Member %s may now log in as member %s (grant %d).\n", label(a), label(t), g.ID)
		return nil
	}
	if err := svc.AdminRevokeProxy(ctx, cliActor, t.ID, a.ID); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Member %s may no longer log in as member %s; their proxy sessions as that member have ended.\n", label(a), label(t))
	return nil
}

// cmdMemberSetRole is "member set-role": adds a role in a group (default
// the root group), keeping the member's other roles.
func cmdMemberSetRole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("member set-role", "member set-role --member M --role owner|admin|maker [--group G] [--db FILE]", stdout)
	member := fs.String("member", "", "the member: id, email or username (required)")
	role := fs.String("role", "", "the role to add: owner, admin or maker (required)")
	group := fs.String("group", "", "the group the role is held in: id or name (default: the root group)")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--member and --role are required", member, role); err != nil {
		return err
	}
	r, err := roleFlag(*role, fs.Name())
	if err != nil {
		return err
	}
	svc, ms, done, err := openMembers(ctx, config, [2]string{"--member", *member})
	if err != nil {
		return err
	}
	defer done()
	m := ms[0]
	g, err := findGroup(ctx, svc, *group)
	if err != nil {
		return err
	}
	if grant := (auth.RoleGrant{Group: g.ID, Role: r}); !slices.Contains(m.Roles, grant) {
		roles := append(slices.Clone(m.Roles), grant)
		if err := svc.AdminSetRoles(ctx, cliActor, m.ID, roles); err != nil {
			return describe(err)
		}
	}
	fmt.Fprintf(stdout, "Member %s holds %s in group %d (%s).\n", label(m), r.Label(), g.ID, g.Name)
	return nil
}

// findGroup resolves --group: empty for the root group, an id, or a name
// (case-insensitive, which must be unique).
func findGroup(ctx context.Context, svc *auth.Service, ref string) (auth.Group, error) {
	groups, err := svc.Groups(ctx, cliActor)
	if err != nil {
		return auth.Group{}, describe(err)
	}
	ref = strings.TrimSpace(ref)
	want := auth.RootGroup
	if ref != "" {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return groupNamed(groups, ref)
		}
		want = id
	}
	for _, g := range groups {
		if g.ID == want {
			return g, nil
		}
	}
	return auth.Group{}, fmt.Errorf("--group: no group with id %d", want)
}

// groupNamed finds the one group named name (case-insensitive).
func groupNamed(groups []auth.Group, name string) (auth.Group, error) {
	var found []auth.Group
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) {
			found = append(found, g)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return auth.Group{}, fmt.Errorf("--group: no group named %q", name)
	default:
		return auth.Group{}, fmt.Errorf("--group: %d groups are named %q; use the id", len(found), name)
	}
}

// cmdMemberStatus is "member suspend M", "member activate M" and "member
// delete M".
func cmdMemberStatus(ctx context.Context, sub string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	what := map[string]string{
		"suspend":  "suspend the member and end every session of theirs",
		"activate": "reactivate a suspended member",
		"delete":   "delete the member (never the last Account Owner)",
	}[sub]
	fs := newFlagSet("member "+sub, "member "+sub+" M [--db FILE]\n\nM is the member's id, email or username: "+what+".", stdout)
	config := configFlags(fs, getenv)
	ref, err := parseOne(fs, args, "member")
	if err != nil {
		return err
	}
	svc, ms, done, err := openMembers(ctx, config, [2]string{"member", ref})
	if err != nil {
		return err
	}
	defer done()
	m := ms[0]
	switch sub {
	case "suspend":
		if err := svc.AdminSetStatus(ctx, cliActor, m.ID, auth.StatusSuspended); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Member %s is suspended; every session of theirs has ended.\n", label(m))
	case "activate":
		if err := svc.AdminSetStatus(ctx, cliActor, m.ID, auth.StatusActive); err != nil {
			return describe(err)
		}
		now, err := svc.ResolveMember(ctx, strconv.FormatInt(m.ID, 10))
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Member %s is %s.\n", label(m), strings.ReplaceAll(string(now.Status), "_", " "))
	case "delete":
		if err := svc.AdminDeleteMember(ctx, cliActor, m.ID); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Member %s is deleted.\n", label(m))
	}
	return nil
}
