package moderation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stalling is the 251-byte regex of issue 14: one check of a
// 4,000-character note took about 3 s before the bounds.
var stalling = strings.Repeat(`\w{0,1000}`, 25) + "!"

// A guild regex is refused when its program or its counted repetitions are
// too large, with an error naming the limit.
func TestRegexBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		wantErr string // "" accepted
	}{
		{pattern: stalling, wantErr: "above the limit of 20"},
		{pattern: `\w{0,1000}!`, wantErr: "above the limit of 20"},
		{pattern: `a{21}`, wantErr: "above the limit of 20"},
		{pattern: `\w{0,20}\w{0,20}\w{0,20}!`, wantErr: "more than the limit of 100"},
		{pattern: `(?i)(?:spam|scam|buy|cheap|free|nitro|gift|crypto|airdrop|giveaway){1,3}[a-z]{0,20}\d{0,20}`, wantErr: "more than the limit of 100"},
		{pattern: `(\w{2}){3}`, wantErr: "nested repetitions are not allowed"},
		{pattern: `(?:ab{2})+`, wantErr: "nested repetitions are not allowed"},
		{pattern: `(?:x*a{2,3})*`, wantErr: "nested repetitions are not allowed"},
		{pattern: `(?i)\bmelon\d+`},
		{pattern: `\d{3}[-.\s]?\d{3}[-.\s]?\d{4}`},
		{pattern: `(?i)discord\.gg/\w+`},
		{pattern: `(?:\s+\w+){0,3}!`},
		{pattern: `\w{0,20}\w{0,20}!`},
		{pattern: `(?i)f+[^a-z]*u+[^a-z]*c+[^a-z]*k+`},
	}
	for _, tt := range tests {
		err := CheckRegex(tt.pattern)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && !strings.Contains(got, tt.wantErr) {
			t.Errorf("CheckRegex(%q) = %q, want an error containing %q", tt.pattern, got, tt.wantErr)
		}
		_, err = New(Rules{Regexes: []string{tt.pattern}})
		if (err == nil) != (tt.wantErr == "") {
			t.Errorf("New with regex %q: error %v, want one: %v", tt.pattern, err, tt.wantErr != "")
		}
	}
}

// stepClock is a clock that advances by step at every reading.
func stepClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

// The regexes stop at the budget, between regexes and within a long
// input, and say so; a clock that never moves shows the same matches as an
// unbudgeted search.
func TestRegexBudget(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghij ", 360) + "buy melon42 now"
	tests := []struct {
		name        string
		regexes     []string
		text        string
		clock       func() time.Time
		wantOverrun bool
		wantTerms   []string
	}{
		{name: "in time", regexes: []string{`melon\d+`, `now$`}, text: long, clock: stepClock(0),
			wantTerms: []string{`melon\d+`, `now$`}},
		{name: "between regexes", regexes: []string{`melon\d+`, `now$`, `buy`}, text: "buy melon42 now", clock: stepClock(time.Millisecond),
			wantOverrun: true, wantTerms: []string{`melon\d+`}},
		{name: "within a long input", regexes: []string{`melon\d+`}, text: long, clock: stepClock(time.Millisecond),
			wantOverrun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Rules{Regexes: tt.regexes, RegexBudget: 2 * time.Millisecond, NoBuiltin: true, Now: tt.clock})
			if err != nil {
				t.Fatal(err)
			}
			v := e.Check(tt.text)
			var terms []string
			for _, m := range v.Matches {
				terms = append(terms, m.Term)
				if want := tt.text[strings.Index(tt.text, "melon"):]; m.Term == `melon\d+` && tt.text[m.Start:m.End] != want[:7] {
					t.Errorf("match %q at [%d,%d), want %q", tt.text[m.Start:m.End], m.Start, m.End, want[:7])
				}
			}
			if diff := cmp.Diff(tt.wantTerms, terms); diff != "" || v.Overrun != tt.wantOverrun {
				t.Errorf("overrun %v (want %v); terms mismatch (-want +got):\n%s", v.Overrun, tt.wantOverrun, diff)
			}
		})
	}
}

// Under DropBadRegexes a refused regex is left out and listed with
// CheckRegex's error, and the regexes left still count against MaxRegexes.
func TestDropBadRegexes(t *testing.T) {
	t.Parallel()
	e, err := New(Rules{Regexes: []string{stalling, `melon\d+`}, DropBadRegexes: true, NoBuiltin: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var got []string
	for _, d := range e.Dropped() {
		got = append(got, d.Pattern+" | "+d.Err.Error())
	}
	want := []string{stalling + " | " + CheckRegex(stalling).Error()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Dropped mismatch (-want +got):\n%s", diff)
	}
	if v := e.Check("buy melon42"); !v.Flagged {
		t.Errorf("Check with the kept regex = %+v, want flagged", v)
	}
	if _, err := New(Rules{Regexes: []string{stalling, `melon\d+`}, NoBuiltin: true}); err == nil {
		t.Error("New without DropBadRegexes accepted a regex over the bounds")
	}
	many := []string{stalling}
	for i := range MaxRegexes + 1 {
		many = append(many, fmt.Sprintf("melon%d", i))
	}
	if _, err := New(Rules{Regexes: many[:MaxRegexes+1], DropBadRegexes: true, NoBuiltin: true}); err != nil {
		t.Errorf("New with %d regexes kept, one dropped: %v", MaxRegexes, err)
	}
	if _, err := New(Rules{Regexes: many, DropBadRegexes: true, NoBuiltin: true}); err == nil {
		t.Errorf("New kept %d regexes, more than MaxRegexes", MaxRegexes+1)
	}
}
