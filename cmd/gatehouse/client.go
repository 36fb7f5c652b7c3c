package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"gatehouse/internal/auth"
)

// cmdClient dispatches "gatehouse client <sub>": the OpenID Provider's
// relying parties (docs/decisions.md, "Sign in with Gatehouse").
func cmdClient(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = `Usage: gatehouse client <subcommand> [flags]

Subcommands:
  create   --name N --redirect-uri U [--redirect-uri U2] [--public] [--first-party] [--json]
           register an app that signs its users in with Gatehouse; prints its
           client_id and, for a confidential client, its client_secret (once)
  list     list the clients (--json for JSON)
  delete C delete the client with client_id C

Run "gatehouse client <subcommand> --help" for its flags, and
"gatehouse serve --help" for the server settings (--db picks the database).
`
	if len(args) == 0 {
		return usageIn("client", "client needs a subcommand: create, list or delete")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	case "create":
		return cmdClientCreate(ctx, args[1:], getenv, stdout)
	case "list":
		return cmdClientList(ctx, args[1:], getenv, stdout)
	case "delete":
		return cmdClientDelete(ctx, args[1:], getenv, stdout)
	}
	return usageIn("client", fmt.Sprintf("unknown client subcommand %q", args[0]))
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// clientJSON is one client in "client list --json" and "client create
// --json" (which adds the secret, shown only then).
type clientJSON struct {
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret,omitempty"`
	Name         string    `json:"name"`
	RedirectURIs []string  `json:"redirect_uris"`
	Public       bool      `json:"public"`
	FirstParty   bool      `json:"first_party"`
	RefuseProxy  bool      `json:"refuse_proxy"`
	CreatedAt    time.Time `json:"created_at"`
}

func toClientJSON(c auth.Client, secret string) clientJSON {
	return clientJSON{ClientID: c.ClientID, ClientSecret: secret, Name: c.Name, RedirectURIs: c.RedirectURIs,
		Public: c.Public, FirstParty: c.FirstParty, RefuseProxy: c.RefuseProxy, CreatedAt: c.CreatedAt}
}

func cmdClientCreate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("client create", "client create --name N --redirect-uri U [--redirect-uri U2] [--public] [--first-party] [--refuse-proxy] [--json] [--db FILE]", stdout)
	name := fs.String("name", "", "the app's name, shown on the consent page (required)")
	var uris multiFlag
	fs.Var(&uris, "redirect-uri", "a redirect URI, compared exactly (required; repeat for more; https, or http on localhost)")
	public := fs.Bool("public", false, "a public client (browser or native app): no secret, PKCE S256 required")
	firstParty := fs.Bool("first-party", false, "your own app: members are not asked for consent")
	refuseProxy := fs.Bool("refuse-proxy", false, "refuse sign-ins from a proxy session (someone acting as the member)")
	asJSON := fs.Bool("json", false, "print the client as JSON")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--name and --redirect-uri are required", name); err != nil {
		return err
	}
	if len(uris) == 0 {
		return usageIn(fs.Name(), "--name and --redirect-uri are required")
	}
	svc, done, err := openService(ctx, config)
	if err != nil {
		return err
	}
	defer done()
	c, secret, err := svc.CreateClient(ctx, auth.ClientInput{Name: *name, RedirectURIs: uris, Public: *public, FirstParty: *firstParty, RefuseProxy: *refuseProxy})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		return printJSON(stdout, toClientJSON(c, secret))
	}
	kind := "confidential"
	if c.Public {
		kind = "public"
	}
	fmt.Fprintf(stdout, "Created %s client %q.\nclient_id:     %s\n", kind, c.Name, c.ClientID)
	if secret != "" {
		fmt.Fprintf(stdout, "client_secret: %s\nThe secret is shown only now; it is stored hashed.\n", secret)
	} else {
		fmt.Fprintln(stdout, "No secret: the app must use PKCE (S256).")
	}
	return nil
}

func cmdClientList(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("client list", "client list [--json] [--db FILE]", stdout)
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
	list, err := svc.ListClients(ctx)
	if err != nil {
		return err
	}
	out := make([]clientJSON, 0, len(list))
	for _, c := range list {
		out = append(out, toClientJSON(c, ""))
	}
	if *asJSON {
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tKIND\tREDIRECT URIS")
	for _, c := range out {
		kind := "confidential"
		if c.Public {
			kind = "public"
		}
		if c.FirstParty {
			kind += ", first-party"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ClientID, c.Name, kind, strings.Join(c.RedirectURIs, " "))
	}
	return tw.Flush()
}

func cmdClientDelete(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("client delete", "client delete C [--db FILE]\n\nC is the client_id. Its pending sign-ins and consents go with it.", stdout)
	config := configFlags(fs, getenv)
	id, err := parseOne(fs, args, "client")
	if err != nil {
		return err
	}
	svc, done, err := openService(ctx, config)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.DeleteClient(ctx, id); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Deleted client %s.\n", id)
	return nil
}
