// Command embodied is the community bot and its operator tooling in one
// binary: `embodied run` (the default) runs the bot; the other subcommands
// migrate, verify and inspect a deployment.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/embodied-community/embodied/internal/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks a bad invocation (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the subcommand named by args and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if err := config.LoadDotEnv(".env"); err != nil {
		fmt.Fprintf(stderr, "embodied: %v\n", err)
		return exitUsage
	}
	name := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		printUsage(stdout)
		return exitOK
	}
	if name == "help" {
		printUsage(stdout)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "embodied: unknown command %q\n\n", name)
		printUsage(stderr)
		return exitUsage
	}
	// A command of two words ("audit rejected") is registered as such.
	if len(args) > 0 {
		if sub, ok := commands[name+" "+args[0]]; ok {
			cmd, args = sub, args[1:]
		}
	}
	err := cmd.run(args, stdout, stderr)
	return exitCode(err, stderr)
}

func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	var ve *config.ValidationError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "embodied: %v\n", err)
		return exitUsage
	case errors.As(err, &ve):
		fmt.Fprintf(stderr, "embodied: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "embodied: %v\n", err)
		return exitFailure
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: embodied [command] [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'embodied COMMAND --help' for a command's flags. Exit status: 0 ok, 1 failure, 2 bad usage or configuration.")
}

// flags returns a FlagSet that prints its usage to stdout on --help.
func flags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: embodied %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, mapping flag errors to usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
