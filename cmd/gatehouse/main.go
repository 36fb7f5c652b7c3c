// Command gatehouse is the Gatehouse authentication server and its admin
// command line.
//
//	gatehouse [serve]        run the server (migrates the database first)
//	gatehouse migrate        apply database migrations and exit
//	gatehouse member create  create a member and print its id
//	gatehouse member list    list members
//	gatehouse member set-role|suspend|activate|delete|grant-proxy|revoke-proxy
//	                         administer members (see "gatehouse member --help")
//	gatehouse backup         copy the database online (--to FILE)
//	gatehouse restore        check and install a backup (--from FILE)
//	gatehouse import FILE    import members from another server's export
//	gatehouse version        print the version
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

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// run is the whole program, callable from tests: args without the program
// name, the environment through getenv, and output through stdout/stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout, stderr)
	case "member":
		return cmdMember(ctx, args, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args, getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return nil
	case "help":
		fmt.Fprint(stdout, topUsage)
		return nil
	}
	fmt.Fprint(stderr, topUsage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

const topUsage = `Usage: gatehouse <command> [flags]

Commands:
  serve            run the server (the default; migrates the database first)
  migrate          apply database migrations and exit
  member create    create a member and print its id
  member list      list members (--json for JSON)
  member set-role --member M --role R [--group G]
  member suspend|activate|delete M
  member grant-proxy|revoke-proxy --target T --actor A
                   administer members (M, T, A: id, email or username)
  backup --to FILE     write a consistent copy of the database (safe while serving)
  restore --from FILE  check a backup and install it (the server must be stopped)
  import FILE      import members and their password hashes (JSON Lines or CSV)
  version          print the version

Run "gatehouse <command> --help" for the flags of a command. Every setting
is an environment variable (GATEHOUSE_ADDR, GATEHOUSE_DB, …) that a flag of
the same name in kebab-case overrides (--gatehouse-addr, or short --addr).
`

// newFlagSet returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: gatehouse %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args into fs, mapping mistakes to usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
