package modrules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A text the guild's regexes could not check within the budget is treated
// as the guild chose: flagged for review by default, refused, or allowed.
func TestOverrun(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	slow := func() time.Time { now = now.Add(time.Millisecond); return now } // every reading 1 ms later
	e, err := moderation.New(moderation.Rules{Regexes: []string{`melon\d+`, `grape\d+`}, Now: slow})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("a perfectly fine note ", 200)
	type outcome struct {
		Flagged, Refused, Overrun bool
		Reason                    string
	}
	for _, tt := range []struct {
		choice Overrun
		want   outcome
	}{
		{"", outcome{Flagged: true, Overrun: true, Reason: moderation.ReasonRulesOverrun}},
		{OverrunFlag, outcome{Flagged: true, Overrun: true, Reason: moderation.ReasonRulesOverrun}},
		{OverrunRefuse, outcome{Flagged: true, Refused: true, Overrun: true, Reason: moderation.ReasonRulesOverrun}},
		{OverrunAllow, outcome{Overrun: true}},
	} {
		g, err := Rules{Overrun: tt.choice}.Compile()
		if err != nil {
			t.Fatal(err)
		}
		g.engine = e
		v := g.Check(text)
		if diff := cmp.Diff(tt.want, outcome{v.Flagged, g.Refuses(v), v.Overrun, v.Reason}); diff != "" {
			t.Errorf("choice %q: mismatch (-want +got):\n%s", tt.choice, diff)
		}
	}
}

// The choice is stored with the rules and audited like every change.
func TestSetOverrun(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	s := New(db.Store, Options{})
	ctx := context.Background()
	if _, err := s.Apply(ctx, "1", SetOverrun("sometimes"), audit.Entry{GuildID: "1", ActionType: "moderation-overrun", ActorID: "2"}); err == nil || !strings.Contains(err.Error(), "use flag, refuse or allow") {
		t.Fatalf("SetOverrun(sometimes): %v", err)
	}
	if _, err := s.Apply(ctx, "1", SetOverrun(OverrunRefuse), audit.Entry{GuildID: "1", ActionType: "moderation-overrun", ActorID: "2"}); err != nil {
		t.Fatal(err)
	}
	g, err := s.Guild(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if g.overrun != OverrunRefuse {
		t.Errorf("stored choice %q, want refuse", g.overrun)
	}
}
