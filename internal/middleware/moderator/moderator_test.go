package moderator_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/storetest"
)

type replies struct{ got []string }

func (r *replies) Defer(context.Context, bool) error { return nil }
func (r *replies) Respond(_ context.Context, m middleware.Response) error {
	r.got = append(r.got, m.Content)
	return nil
}
func (r *replies) Followup(ctx context.Context, m middleware.Response) error {
	return r.Respond(ctx, m)
}
func (r *replies) Edit(ctx context.Context, m middleware.Response) error { return r.Respond(ctx, m) }

type flagRow struct {
	UserID      string `db:"user_id"`
	ContentType string `db:"content_type"`
	FlagReason  string `db:"flag_reason"`
	Category    string `db:"category"`
	Severity    string `db:"severity"`
	Excerpt     string `db:"excerpt"`
}

func TestModerator(t *testing.T) {
	tests := []struct {
		name        string
		notes       string
		wantHandler bool
		wantReply   []string
		wantFlags   []flagRow
	}{
		{"clean text passes untouched", "Met at the climbing gym in Scunthorpe", true, nil, nil},
		{"toxic language is stored and flagged", "This bitch deserves to be ignored", true, nil,
			[]flagRow{{"2", "barbie_note", "toxic_language", "profanity", "medium", "This bitch deserves to be ignored"}}},
		{"personal information is flagged with its own reason", "call her at 555-867-5309", true, nil,
			[]flagRow{{"2", "barbie_note", "personal_information", "pii", "high", "call her at 555-867-5309"}}},
		{"the most severe categories are refused, and flagged", "go kill yourself", false,
			[]string{moderator.RefusedMessage(moderation.CategorySelfHarm)},
			[]flagRow{{"2", "barbie_note", "toxic_language", "self_harm", "critical", "go kill yourself"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			m := moderator.New(db.Store, slog.New(slog.DiscardHandler), moderator.Options{})
			ran := false
			h := m.Middleware()(func(context.Context, *middleware.Interaction) error { ran = true; return nil })
			r := &replies{}
			in, flags := addNote(t, db, h, r, tt.notes)
			if diff := cmp.Diff(tt.wantFlags, flags, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("content_flags mismatch (-want +got):\n%s", diff)
			}
			if ran != tt.wantHandler || len(in.Flags) != len(tt.wantFlags) {
				t.Errorf("handler ran %v (want %v), %d flags on the interaction", ran, tt.wantHandler, len(in.Flags))
			}
			if diff := cmp.Diff(tt.wantReply, r.got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// overran is a Checker whose rules never finish in time.
type overran struct{}

func (overran) Check(string) moderation.Verdict {
	return moderation.Verdict{Flagged: true, Reason: moderation.ReasonRulesOverrun, Category: moderation.CategoryProfanity,
		Severity: moderation.SeverityMedium, Matches: []moderation.Match{}, Overrun: true}
}

// A text whose guild rules overran their budget is counted, and stored as
// the checker's verdict says (flagged for review).
func TestModeratorOverrun(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	overruns := 0
	m := moderator.New(db.Store, slog.New(slog.DiscardHandler), moderator.Options{OnOverrun: func() { overruns++ },
		Checker: func(context.Context, string) moderator.Checker { return overran{} }})
	h := m.Middleware()(func(context.Context, *middleware.Interaction) error { return nil })
	_, flags := addNote(t, db, h, &replies{}, "a long note")
	want := []flagRow{{"2", "barbie_note", "rules_overrun", "profanity", "medium", "a long note"}}
	if diff := cmp.Diff(want, flags); diff != "" || overruns != 1 {
		t.Errorf("%d overruns counted (want 1); content_flags mismatch (-want +got):\n%s", overruns, diff)
	}
}

// addNote runs h for member 2 adding a barbie note in guild 1 and returns
// the interaction and the stored flags.
func addNote(t *testing.T, db *storetest.DB, h middleware.Handler, r *replies, notes string) (*middleware.Interaction, []flagRow) {
	t.Helper()
	in := &middleware.Interaction{GuildID: "1", User: middleware.User{ID: "2"}, Command: "barbie add",
		Options: map[string]any{"notes": notes}, Log: slog.New(slog.DiscardHandler), Reply: r,
		Policy: middleware.Policy{Moderated: []middleware.Moderated{{Option: "notes", ContentType: "barbie_note"}}}}
	if err := h(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.App.Query(context.Background(),
		`SELECT user_id, content_type, flag_reason, category, severity, excerpt FROM content_flags ORDER BY id`)
	flags, err := pgx.CollectRows(rows, pgx.RowToStructByName[flagRow])
	if err != nil {
		t.Fatal(err)
	}
	return in, flags
}
