package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// The help of every command is printed here. A command's help lists its own
// flags and only points to "gatehouse serve --help" for the server settings,
// which every command accepts but only serve needs (the one other setting a
// command-line action needs, the database, is listed as --db).

// newFlagSet returns a flag set that writes nothing itself: --help prints
// the usage on out (stdout), and a mistake becomes one usageError line.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: gatehouse %s\n", synopsis)
		if name == "serve" {
			printSettings(out)
			return
		}
		own := flag.NewFlagSet(name, flag.ContinueOnError)
		own.SetOutput(out)
		fs.VisitAll(func(f *flag.Flag) {
			switch {
			case f.Name == "db":
				own.Var(f.Value, "db", "SQLite database `file` (env GATEHOUSE_DB, default data/gatehouse.db)")
			case !settingFlags[f.Name]:
				own.Var(f.Value, f.Name, f.Usage)
			}
		})
		fmt.Fprint(out, "\nFlags:\n")
		own.PrintDefaults()
		fmt.Fprint(out, "\nEvery server setting is accepted too; see \"gatehouse serve --help\".\n")
	}
	return fs
}

// settingFlags are the names of the flags every command accepts for the
// server settings (full and short forms), hidden from all help but serve's.
var settingFlags = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range settings {
		m[flagName(s.env)] = true
		m[strings.TrimPrefix(flagName(s.env), "gatehouse-")] = true
	}
	return m
}()

// printSettings is serve's help: one entry per setting, with its flag
// names, variable and default, instead of two flag entries per setting.
func printSettings(out io.Writer) {
	fmt.Fprint(out, "\nRuns the server; migrates the database first.\n\nSettings (flag > environment variable > default):\n")
	for _, s := range settings {
		names := "--" + flagName(s.env)
		if short := strings.TrimPrefix(flagName(s.env), "gatehouse-"); short != flagName(s.env) {
			names = "--" + short + ", " + names
		}
		from := s.env
		if s.def != "" {
			from += ", default " + s.def
		}
		fmt.Fprintf(out, "  %s\n        %s (%s)\n", names, s.usage, from)
	}
	fmt.Fprint(out, "\nDirectus OAuth providers are read from AUTH_PROVIDERS and AUTH_<PROVIDER>_* (environment only).\n")
}

// parse parses args into fs, mapping mistakes to usage errors; --help
// prints the usage and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageIn(fs.Name(), fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}

// parseFlags is fs.Parse with help printed and mistakes turned into usage
// errors; positional arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	// The flag package prints the usage on every mistake; only --help
	// should.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	}
	return usageIn(fs.Name(), err.Error())
}
