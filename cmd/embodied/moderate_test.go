package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/storetest"
)

// runModerate runs "embodied moderate args" on stdin and returns stdout,
// stderr and the exit code.
func runModerate(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := exitCode(moderate(args, strings.NewReader(stdin), &out, &errb), &errb)
	return out.String(), errb.String(), code
}

// verdicts returns each output line's category ("" when clean).
func verdicts(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v moderation.Verdict
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, string(v.Category))
	}
	return got
}

func TestModerate(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(rules, []byte(`{"keywords": [{"pattern": "melon*", "category": "insult", "severity": "high"}],
		"allow": ["bitch"], "disabled": ["pii"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badRules := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badRules, []byte(`{"regexes": ["("]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(t.TempDir(), "typo.json")
	if err := os.WriteFile(typo, []byte(`{"keyword": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const input = "hello there\nthis bitch\r\nyou melonhead\nmail me at sam@example.com\n"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // category per line, "" for clean
		wantErr  string
	}{
		{name: "built-in rules", want: []string{"", "profanity", "", "pii"}},
		{name: "rules file", args: []string{"--rules", rules}, want: []string{"", "", "insult", ""}},
		{name: "bad regex in rules file", args: []string{"--rules", badRules}, wantCode: 2, wantErr: "missing closing )"},
		{name: "unknown field in rules file", args: []string{"--rules", typo}, wantCode: 2, wantErr: `unknown field "keyword"`},
		{name: "missing rules file", args: []string{"--rules", "/nonexistent.json"}, wantCode: 2, wantErr: "no such file"},
		{name: "both sources", args: []string{"--rules", rules, "--guild", "1"}, wantCode: 2, wantErr: "exclude each other"},
		{name: "bad guild id", args: []string{"--guild", "abc"}, wantCode: 2, wantErr: "not a Discord id"},
		{name: "stray argument", args: []string{"text"}, wantCode: 2, wantErr: "takes no arguments"},
		{name: "unknown flag", args: []string{"--frobnicate"}, wantCode: 2, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runModerate(t, input, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if tt.want == nil {
				return
			}
			if diff := cmp.Diff(tt.want, verdicts(t, out)); diff != "" {
				t.Errorf("categories mismatch (-want +got):\n%s", diff)
			}
		})
	}
	out, _, code := runModerate(t, "", "--help")
	if code != 0 || !strings.Contains(out, "Usage: embodied moderate [--guild ID | --rules FILE]") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

// --guild reads a guild's rules from the database.
func TestModerateGuild(t *testing.T) {
	db := storetest.New(t)
	const guild = "100000000000000001"
	s := modrules.New(db.Store, modrules.Options{})
	e := audit.Entry{GuildID: guild, ActionType: "moderation-keyword-add", ActorID: "200000000000000002"}
	if _, err := s.Apply(context.Background(), guild, modrules.AddKeyword("melon*", moderation.CategoryInsult, 0), e); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", db.AppURL)
	out, errOut, code := runModerate(t, "you melonhead\nhello\n", "--guild", guild)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if diff := cmp.Diff([]string{"insult", ""}, verdicts(t, out)); diff != "" {
		t.Errorf("categories mismatch (-want +got):\n%s", diff)
	}
}
