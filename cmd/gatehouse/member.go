package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"gatehouse/internal/auth"
)

// cmdMember dispatches "gatehouse member <sub>".
func cmdMember(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = `Usage: gatehouse member <subcommand> [flags]

Subcommands:
  create        create a member and say what was created (--json for JSON)
  list          list members (--json for JSON)
  grant-proxy   --target T --actor A: allow A to log in as T
  revoke-proxy  --target T --actor A: withdraw it and end A's proxy sessions as T
  set-role      --member M --role owner|admin|maker [--group G]: add a role
  suspend M     suspend M and end every session of theirs
  activate M    reactivate a suspended member
  delete M      delete M (never the last Account Owner)

M, T and A are a member's id, email or username. Run
"gatehouse member <subcommand> --help" for its flags, and
"gatehouse serve --help" for the server settings (--db picks the database).
`
	if len(args) == 0 {
		return usageIn("member", "member needs a subcommand: create, list, set-role, suspend, activate, delete, grant-proxy or revoke-proxy")
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "create":
		return cmdMemberCreate(ctx, args[1:], getenv, stdout, stderr)
	case "list":
		return cmdMemberList(ctx, args[1:], getenv, stdout, stderr)
	case "grant-proxy", "revoke-proxy":
		return cmdMemberProxy(ctx, args[0] == "grant-proxy", args[1:], getenv, stdout, stderr)
	case "set-role":
		return cmdMemberSetRole(ctx, args[1:], getenv, stdout, stderr)
	case "suspend", "activate", "delete":
		return cmdMemberStatus(ctx, args[0], args[1:], getenv, stdout, stderr)
	}
	return usageIn("member", fmt.Sprintf("unknown member subcommand %q", args[0]))
}

// cmdMemberCreate creates a member and prints its numeric id on stdout.
func cmdMemberCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("member create", "member create --email E --password P [--name N] [--first-name F] [--last-name L] [--username U] [--role owner|admin|maker] [--temporary] [--json] [--db FILE]", stdout)
	email := fs.String("email", "", "email address (required)")
	password := fs.String("password", "", "password (required)")
	name := fs.String("name", "", "display name")
	first := fs.String("first-name", "", "first name (split from --name when neither --first-name nor --last-name is given)")
	last := fs.String("last-name", "", "last name")
	username := fs.String("username", "", "username (defaults to the email)")
	role := fs.String("role", "maker", "role in the root group: owner, admin or maker")
	temporary := fs.Bool("temporary", false, "the password must be replaced at first login")
	asJSON := fs.Bool("json", false, "print the new member as JSON (as in member list --json)")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--email and --password are required", email, password); err != nil {
		return err
	}
	r, err := roleFlag(*role, fs.Name())
	if err != nil {
		return err
	}
	svc, done, err := openService(ctx, config)
	if err != nil {
		return err
	}
	defer done()
	m, err := svc.CreateMember(ctx, auth.CreateMemberInput{
		Email: *email, Password: *password, Name: *name, FirstName: *first, LastName: *last, Username: *username, Role: r, Temporary: *temporary,
	})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		return printJSON(stdout, toJSON(m))
	}
	fmt.Fprintln(stdout, created(m))
	return nil
}

// created is the line "member create" prints: what exists now, and what
// the new member does next.
func created(m auth.Member) string {
	who := m.Email
	if m.Name != "" {
		who = m.Name + " <" + m.Email + ">"
	}
	roles := make([]string, 0, len(m.Roles))
	for _, g := range m.Roles {
		roles = append(roles, g.Role.Label())
	}
	line := fmt.Sprintf("Created member %d: %s, username %s, %s in the root group.", m.ID, who, m.Username, strings.Join(roles, ", "))
	if m.Status == auth.StatusPasswordResetRequired {
		return line + " The password is temporary: it must be replaced at the first sign-in."
	}
	return line + " They can sign in now."
}

// toJSON is a member as "member list --json" and "member create --json"
// print it.
func toJSON(m auth.Member) memberJSON {
	roles, grants := []string{}, []grantJSON{}
	for _, g := range m.Roles {
		roles = append(roles, g.Role.Label())
		grants = append(grants, grantJSON{Group: g.Group, Role: g.Role.Label()})
	}
	return memberJSON{ID: m.ID, Email: m.Email, Username: m.Username, Name: m.Name, Status: string(m.Status), Roles: roles, Grants: grants, CreatedAt: m.CreatedAt}
}

// describe turns a domain error into one readable line for the terminal.
func describe(err error) error {
	fields := auth.ErrorFields(err)
	if len(fields) == 0 {
		return fmt.Errorf("%s", auth.ErrorMessage(err))
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, "--"+k+": "+fields[k])
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// memberJSON is one member in "member list --json".
type memberJSON struct {
	ID        int64       `json:"id"`
	Email     string      `json:"email"`
	Username  string      `json:"username"`
	Name      string      `json:"name"`
	Status    string      `json:"status"`
	Roles     []string    `json:"roles"`
	Grants    []grantJSON `json:"grants"` // each role with its group
	CreatedAt time.Time   `json:"created_at"`
}

// grantJSON is one role held in one group.
type grantJSON struct {
	Group int64  `json:"group"`
	Role  string `json:"role"`
}

// cmdMemberList prints every member, as a table or as JSON.
func cmdMemberList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("member list", "member list [--json] [--db FILE]", stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	config := configFlags(fs, getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, done, err := openService(ctx, config)
	if err != nil {
		return err
	}
	defer done()
	const pageSize = 500
	out := []memberJSON{}
	for after := int64(0); ; {
		page, err := svc.ListMembers(ctx, after, pageSize)
		if err != nil {
			return err
		}
		for _, m := range page {
			out = append(out, toJSON(m))
			after = m.ID
		}
		if len(page) < pageSize {
			break
		}
	}
	if *asJSON {
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tUSERNAME\tNAME\tSTATUS\tROLES")
	for _, m := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Email, m.Username, m.Name, m.Status, strings.Join(m.Roles, ", "))
	}
	return tw.Flush()
}

// openService resolves the configuration, opens (and migrates) the store and
// builds the service for one command-line action; done closes the store.
func openService(ctx context.Context, config func() (Config, error)) (svc *auth.Service, done func(), err error) {
	cfg, err := config()
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if svc, err = newService(st, cfg, nil, passwordHasher(newArgon2())); err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}

// printJSON writes v as indented JSON, the --json output of the commands.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseRequired parses args into fs like parse; when a required flag is
// left empty it prints the usage and fails with the usage error msg.
func parseRequired(fs *flag.FlagSet, args []string, msg string, required ...*string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, v := range required {
		if *v == "" {
			return usageIn(fs.Name(), msg)
		}
	}
	return nil
}

// roleFlag parses the --role flag of the member commands.
func roleFlag(v, cmd string) (auth.RoleID, error) {
	r, ok := auth.ParseRole(v)
	if !ok {
		return 0, usageIn(cmd, fmt.Sprintf("--role %q: must be owner, admin or maker", v))
	}
	return r, nil
}
