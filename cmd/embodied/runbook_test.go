package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// runbookCommands returns the `embodied …` lines of docs/RUNBOOK.md's code
// blocks, without trailing comments.
func runbookCommands(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("../../docs/RUNBOOK.md")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			in = !in
			continue
		}
		if !in {
			continue
		}
		line, _, _ = strings.Cut(line, " #")
		fields := strings.Fields(line)
		if len(fields) > 1 && fields[0] == "embodied" {
			out = append(out, fields[1:])
		}
	}
	return out
}

var flagRE = regexp.MustCompile(`^--?[a-z][a-z-]*$`)

// Every embodied command in the runbook names a subcommand and action that
// exist, with flags its parser accepts.
func TestRunbookCommands(t *testing.T) {
	cmds := runbookCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("only %d embodied commands found in the runbook", len(cmds))
	}
	seen := map[string]bool{}
	for _, args := range cmds {
		sub := args[0]
		seen[sub] = true
		if _, ok := commands[sub]; !ok {
			t.Errorf("embodied %s: no such subcommand", strings.Join(args, " "))
			continue
		}
		// Keep the flags (and their values), drop positionals, ask for
		// help last: the parser checks every flag before it gets there.
		var flagArgs, positional []string
		inFlags := false
		for _, a := range args[1:] {
			switch {
			case flagRE.MatchString(a):
				inFlags = true
				flagArgs = append(flagArgs, a)
			case inFlags:
				flagArgs = append(flagArgs, a)
			default:
				positional = append(positional, a)
			}
		}
		var stdout, stderr bytes.Buffer
		code := Main(append(append([]string{sub}, flagArgs...), "--help"), &stdout, &stderr)
		if code != 0 {
			t.Errorf("embodied %s: flags rejected (exit %d): %s", strings.Join(args, " "), code, stderr.String())
			continue
		}
		if len(positional) > 0 && (sub == "migrate" || sub == "backup") {
			if !regexp.MustCompile(`\b`+regexp.QuoteMeta(positional[0])+`\b`).MatchString(stdout.String()) &&
				!strings.HasPrefix(positional[0], "backup-") {
				t.Errorf("embodied %s: action %q not in the usage:\n%s", strings.Join(args, " "), positional[0], stdout.String())
			}
		}
	}
	for _, want := range []string{"migrate", "backup", "doctor", "smoke", "restore", "run", "audit"} {
		if !seen[want] {
			t.Errorf("the runbook never runs embodied %s", want)
		}
	}
}
