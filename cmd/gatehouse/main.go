// Command gatehouse is the Gatehouse authentication server and its admin
// command line.
//
//	gatehouse [serve]        run the server (migrates the database first)
//	gatehouse migrate        apply database migrations and exit
//	gatehouse member create  create a member and say what was created
//	gatehouse member list    list members
//	gatehouse member set-role|suspend|activate|delete|grant-proxy|revoke-proxy
//	                         administer members (see "gatehouse member --help")
//	gatehouse client create|list|delete
//	                         the OpenID Provider's relying parties
//	gatehouse backup         copy the database online (--to FILE)
//	gatehouse restore        check and install a backup (--from FILE)
//	gatehouse import FILE    import members from another server's export
//	gatehouse version        print the version, commit and build date
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// exitStatus reports err on one line of stderr and returns the process exit
// status: 0 for success and help, 2 for a mistake in the command line (with
// a pointer to the help of the command concerned), 1 for anything else.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		cmd := ""
		var in commandUsage
		if errors.As(err, &in) {
			cmd = in.cmd
		}
		fmt.Fprintf(stderr, "gatehouse: %s (see \"%s --help\")\n", u.msg, helpOf(cmd))
		return 2
	}
	fmt.Fprintln(stderr, "gatehouse:", err)
	return 1
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// commandUsage is a usageError with the command whose help explains it
// ("member create"), so the one error line can point there.
type commandUsage struct {
	usageError
	cmd string
}

func (c commandUsage) Unwrap() error { return c.usageError }

// usageIn is a usage mistake in the command cmd ("" for the top level).
func usageIn(cmd, msg string) error { return commandUsage{usageError{msg}, cmd} }

// helpOf is the command line that prints the help of cmd.
func helpOf(cmd string) string {
	if cmd == "" {
		return "gatehouse"
	}
	return "gatehouse " + cmd
}

// run is the whole program, callable from tests: args without the program
// name, the environment through getenv, and output through stdout/stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, topUsage)
			return flag.ErrHelp
		case "-version", "--version":
			return cmdVersion(args[1:], stdout)
		}
		if len(args[0]) > 0 && args[0][0] != '-' {
			cmd, args = args[0], args[1:]
		}
	}
	if c, ok := commands[cmd]; ok {
		return c(ctx, args, getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// command is one top-level command: its arguments after the command name,
// the environment and the output streams.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the top-level commands by name (serve is also the default).
var commands = map[string]command{
	"serve":   cmdServe,
	"migrate": cmdMigrate,
	"member":  cmdMember,
	"client":  cmdClient,
	"backup":  cmdBackup,
	"restore": cmdRestore,
	"import":  cmdImport,
	"version": func(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
		return cmdVersion(args, stdout)
	},
}

const topUsage = `Gatehouse: a self-hosted authentication server.

Usage: gatehouse <command> [flags]

Commands:
  serve                 run the server (the default; migrates the database first)
  migrate               apply database migrations and exit
  member create         create a member
  member list           list members
  member set-role       give a member a role in a group
  member suspend        suspend a member and end their sessions
  member activate       reactivate a suspended member
  member delete         delete a member
  member grant-proxy    allow one member to log in as another
  member revoke-proxy   withdraw that and end the proxy sessions
  client create         register an app that signs in with Gatehouse (OpenID Connect)
  client list           list those apps
  client delete         delete one
  backup --to FILE      write a consistent copy of the database (safe while serving)
  restore --from FILE   check a backup and install it (the server must be stopped)
  import FILE           import members and their password hashes (JSON Lines or CSV)
  version               print the version, commit and build date

Run "gatehouse <command> --help" for the flags of one command, and
"gatehouse serve --help" for the server settings (each is an environment
variable, GATEHOUSE_ADDR, GATEHOUSE_DB, …, that a flag can override).

First start: gatehouse member create --email you@example.com --password '…' --role owner
`
