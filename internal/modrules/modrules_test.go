package modrules_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

const guild = "100000000000000001"

func entry(action string) audit.Entry {
	return audit.Entry{GuildID: guild, ActionType: action, ActorID: "200000000000000002"}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rules   modrules.Rules
		text    string
		flagged bool
		refused bool
		wantErr string
	}{
		{name: "built-in lists by default", text: "this bitch", flagged: true},
		{name: "critical refused by default", text: "go kill yourself", flagged: true, refused: true},
		{name: "custom keyword", rules: modrules.Rules{Keywords: []moderation.Keyword{{Pattern: "melon*", Category: moderation.CategoryInsult}}},
			text: "you melonhead", flagged: true},
		{name: "allow list covers a built-in hit", rules: modrules.Rules{Allow: []string{"bitch"}}, text: "this bitch"},
		{name: "category off", rules: modrules.Rules{Categories: []modrules.CategorySetting{{Category: moderation.CategoryProfanity, Action: modrules.ActionDefault}}},
			text: "this bitch"},
		{name: "category refused", rules: modrules.Rules{Categories: []modrules.CategorySetting{{Category: moderation.CategoryProfanity, Enabled: true, Action: modrules.ActionRefuse}}},
			text: "this bitch", flagged: true, refused: true},
		{name: "category only flagged, even critical", rules: modrules.Rules{Categories: []modrules.CategorySetting{{Category: moderation.CategorySelfHarm, Enabled: true, Action: modrules.ActionFlag}}},
			text: "go kill yourself", flagged: true},
		{name: "regex with label", rules: modrules.Rules{Regexes: []string{`melon\d+`}, RegexCategory: moderation.CategorySpam, RegexSeverity: moderation.SeverityLow},
			text: "buy melon42", flagged: true},
		{name: "bad regex", rules: modrules.Rules{Regexes: []string{`(`}}, wantErr: "missing closing )"},
		{name: "long regex", rules: modrules.Rules{Regexes: []string{strings.Repeat("a", moderation.MaxRegexLen+1)}}, wantErr: "longer than 260 bytes"},
		{name: "bad keyword", rules: modrules.Rules{Keywords: []moderation.Keyword{{Pattern: "a*b"}}}, wantErr: "only at the start or end"},
		{name: "bad action", rules: modrules.Rules{Categories: []modrules.CategorySetting{{Category: moderation.CategorySpam, Action: "ban"}}}, wantErr: `unknown action "ban"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tt.rules.Compile()
			if tt.wantErr != "" {
				var ie *modrules.InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Compile error %v, want an InputError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := g.Check(tt.text)
			if diff := cmp.Diff([]bool{tt.flagged, tt.refused}, []bool{v.Flagged, g.Refuses(v)}); diff != "" {
				t.Errorf("flagged, refused mismatch (-want +got):\n%s\nverdict %+v", diff, v)
			}
		})
	}
}

func TestExempt(t *testing.T) {
	t.Parallel()
	g, err := modrules.Rules{ExemptRoles: []string{"7", "8"}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	for roles, want := range map[string]bool{"": false, "1,2": false, "1,8": true, "7": true} {
		if got := g.Exempt(strings.Split(roles, ",")); got != want {
			t.Errorf("Exempt(%q) = %v, want %v", roles, got, want)
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	s := modrules.New(db.Store, modrules.Options{})
	ctx := context.Background()
	steps := []struct {
		change  *modrules.Change
		wantErr string
	}{
		{change: modrules.AddKeyword("Melon*", moderation.CategoryInsult, moderation.SeverityHigh)},
		{change: modrules.AddKeyword("melon*", moderation.CategorySpam, moderation.SeverityLow)}, // updates
		{change: modrules.AddKeyword("x", "", 0), wantErr: "shorter than 2"},
		{change: modrules.AddAllow("Scunthorpe")},
		{change: modrules.AddAllow("scunthorpe"), wantErr: "already allowed"},
		{change: modrules.RemoveAllow("nope"), wantErr: "not on this server's allow list"},
		{change: modrules.SetCategory(moderation.CategorySexual, false, "")},
		{change: modrules.SetCategory(moderation.CategoryInsult, true, modrules.ActionRefuse)},
		{change: modrules.SetCategory("gossip", true, ""), wantErr: `unknown category "gossip"`},
		{change: modrules.ExemptRole("300000000000000003")},
		{change: modrules.ExemptRole("300000000000000003"), wantErr: "already exempt"},
		{change: modrules.AddRegex(`(?i)melon\d+`)},
		{change: modrules.AddRegex(`[`), wantErr: "missing closing ]"},
		{change: modrules.LabelRegexes(moderation.CategorySpam, moderation.SeverityLow)},
	}
	for i, st := range steps {
		_, err := s.Apply(ctx, guild, st.change, entry("moderation-test"))
		if st.wantErr == "" && err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.wantErr != "" {
			var ie *modrules.InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Message, st.wantErr) {
				t.Fatalf("step %d: error %v, want an InputError containing %q", i, err, st.wantErr)
			}
		}
	}
	got, err := s.Rules(ctx, guild)
	if err != nil {
		t.Fatal(err)
	}
	want := modrules.Rules{
		GuildID: guild, Version: 8,
		Keywords: []moderation.Keyword{{Pattern: "melon*", Category: moderation.CategorySpam, Severity: moderation.SeverityLow}},
		Allow:    []string{"scunthorpe"},
		Categories: []modrules.CategorySetting{
			{Category: moderation.CategoryInsult, Enabled: true, Action: modrules.ActionRefuse, Message: modrules.MessageFlag},
			{Category: moderation.CategorySexual, Enabled: false, Action: modrules.ActionDefault, Message: modrules.MessageFlag},
		},
		ExemptRoles:   []string{"300000000000000003"},
		Regexes:       []string{`(?i)melon\d+`},
		RegexCategory: moderation.CategorySpam, RegexSeverity: moderation.SeverityLow,
		Overrun: modrules.OverrunFlag, ExemptChannels: []string{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules mismatch (-want +got):\n%s", diff)
	}
	var audited int
	if err := db.App.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action_type = 'moderation-test'`).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 8 {
		t.Errorf("%d audit records, want 8 (one per accepted change)", audited)
	}
	// Removal, then every list empties back.
	for _, c := range []*modrules.Change{modrules.RemoveKeyword("MELON*"), modrules.RemoveAllow("scunthorpe"),
		modrules.UnexemptRole("300000000000000003"), modrules.RemoveRegex(`(?i)melon\d+`)} {
		if _, err := s.Apply(ctx, guild, c, entry("moderation-test")); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.Rules(ctx, guild)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keywords)+len(got.Allow)+len(got.ExemptRoles)+len(got.Regexes) != 0 || got.Version != 12 {
		t.Errorf("after removals: %+v", got)
	}
}

// Changes through one Service take effect at once; changes through another
// (another process) once the version is rechecked.
func TestCache(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	a := modrules.New(db.Store, modrules.Options{})
	b := modrules.New(db.Store, modrules.Options{Recheck: -1})
	flagged := func(s *modrules.Service) bool {
		g, err := s.Guild(ctx, guild)
		if err != nil {
			t.Fatal(err)
		}
		return g.Check("you melonhead").Flagged
	}
	if flagged(a) || flagged(b) {
		t.Fatal("flagged without a rule")
	}
	if _, err := a.Apply(ctx, guild, modrules.AddKeyword("melon*", "", 0), entry("moderation-test")); err != nil {
		t.Fatal(err)
	}
	if !flagged(a) {
		t.Error("the changing service did not invalidate its cache")
	}
	if !flagged(b) {
		t.Error("another service did not see the new version")
	}
	g1, _ := a.Guild(ctx, guild)
	g2, _ := a.Guild(ctx, guild)
	if g1 != g2 {
		t.Error("unchanged rules were compiled twice")
	}
	// Concurrent readers and a writer: no race, and the end state is current.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if _, err := a.Guild(ctx, guild); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	if _, err := a.Apply(ctx, guild, modrules.AddAllow("melonhead"), entry("moderation-test")); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if flagged(a) {
		t.Error("stale rules cached after a concurrent change")
	}
}

// Rules stored before the regex bounds existed still load: the over-bound
// regex is left out and named, the others keep working (the bot and
// `embodied moderate --guild` both compile stored rules this way).
func TestCompileStored(t *testing.T) {
	stalling := strings.Repeat(`\w{0,1000}`, 25) + "!"
	g, err := modrules.Rules{Regexes: []string{`melon\d+`, stalling}}.CompileStored()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range g.Disabled {
		got = append(got, d.Pattern)
	}
	if diff := cmp.Diff([]string{stalling}, got); diff != "" {
		t.Errorf("disabled regexes mismatch (-want +got):\n%s", diff)
	}
	if !g.Check("buy melon42 now").Flagged {
		t.Error("the valid regex no longer flags")
	}
	if _, err := (modrules.Rules{Regexes: []string{stalling}}).Compile(); err == nil {
		t.Error("Compile accepted an over-bound regex")
	}
}
