package automod_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
)

// Regexes Go and Rust read alike pass; the real differences are named.
func TestDialectProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern string
		want    string // a part of the problem, "" for none
	}{
		{`(?i)gr[a4]pe+`, ""},
		{`[^]a]x`, ""},
		{`foo\.bar`, ""},
		{`a{2,3}`, ""},
		{`[[:alpha:]]+x`, ""},
		{`\pL+ing`, ""},
		{`[a-z-]x`, ""},
		{`gr\w+pe`, `\w is Unicode-aware on Discord`},
		{`\d{3}`, `\d is Unicode-aware`},
		{`\bcat\b`, `\b is a Unicode word boundary`},
		{`\<cat`, `word-boundary assertion on Discord`},
		{`\Qa.b\E`, `\Q…\E quoting is not supported`},
		{`\141`, `octal escape`},
		{`[a-z&&[^aeiou]]`, `&& inside a class`},
		{`[x[0-9]]`, `nested [...] class`},
		{`[a-z&&b]`, `&& inside a class`},
		{`[a--b]`, `-- inside a class`},
		{`x{,3}`, `{,n} is a repetition`},
	}
	for _, c := range cases {
		got := automod.DialectProblem(c.pattern)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("DialectProblem(%q) = %q, want one with %q", c.pattern, got, c.want)
		}
	}
}

// Plan mirrors the rules within the limits: keywords of disabled
// categories are left out; with enforcement, what the guild refuses blocks
// and the rest only alerts; lists over one rule are split; what exceeds the
// free rules or Discord's lengths is reported.
func TestPlan(t *testing.T) {
	t.Parallel()
	lim := automod.DiscordLimits
	lim.Keywords = 2 // split after two keywords
	rules := modrules.Rules{
		Keywords: []moderation.Keyword{{Pattern: "a1"}, {Pattern: "b2"}, {Pattern: "c3"}, {Pattern: "d4", Category: moderation.CategorySpam},
			{Pattern: "e5", Category: moderation.CategoryInsult}, {Pattern: "f6", Severity: moderation.SeverityCritical}},
		Categories: []modrules.CategorySetting{{Category: moderation.CategorySpam, Enabled: false},
			{Category: moderation.CategoryInsult, Enabled: true, Action: modrules.ActionRefuse}},
		Allow:   []string{"ok"},
		Regexes: []string{`x[0-9]+`, `\d+y`},
	}
	specs, unpushed := automod.Plan(rules, automod.For(true, "42"), 2, lim)
	want := []automod.Spec{
		{Name: "embodied: blocked keywords", Enabled: true, Keywords: []string{"e5", "f6"}, Regexes: []string{}, Allow: []string{"ok"},
			ExemptRoles: []string{}, ExemptChannels: []string{}, Block: true, AlertChannel: "42"},
		{Name: "embodied: keywords", Enabled: true, Keywords: []string{"a1", "b2"}, Regexes: []string{`x[0-9]+`}, Allow: []string{"ok"},
			ExemptRoles: []string{}, ExemptChannels: []string{}, AlertChannel: "42"},
	}
	if diff := cmp.Diff(want, specs); diff != "" {
		t.Errorf("specs mismatch (-want +got):\n%s", diff)
	}
	wantUnpushed := []string{
		"regex `\\d+y`: \\d is Unicode-aware on Discord (Rust) but ASCII-only here (Go)",
		"1 keywords not pushed: the server has 4 other keyword rules of Discord's 6",
	}
	if diff := cmp.Diff(wantUnpushed, unpushed); diff != "" {
		t.Errorf("unpushed mismatch (-want +got):\n%s", diff)
	}

	// Safe mode without a mod-log channel: no action to push.
	specs, unpushed = automod.Plan(rules, automod.For(false, ""), 6, automod.DiscordLimits)
	if len(specs) != 0 || len(unpushed) != 2 {
		t.Errorf("safe mode without mod log: %v %q", specs, unpushed)
	}
}
