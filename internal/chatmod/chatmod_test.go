package chatmod_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

const (
	guild   = "100000000000000001"
	channel = "300000000000000003"
	author  = "400000000000000004"
	bot     = "500000000000000005"
)

// deleter is Discord's side: it records the deletions asked for and
// refuses them when told to.
type deleter struct {
	mu      sync.Mutex
	refuse  error
	deleted []string
}

func (d *deleter) DeleteMessage(_ context.Context, _, messageID, reason string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refuse != nil {
		return d.refuse
	}
	d.deleted = append(d.deleted, messageID+": "+reason)
	return nil
}

// auditor keeps the action types of the records written.
type auditor struct {
	mu      sync.Mutex
	actions []string
}

func (a *auditor) Audit(e audit.Entry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions = append(a.actions, e.ActionType)
}

// Handle skips bots and empty messages, leaves clean text alone, flags
// toxic text with the message named, and deletes it first when the guild
// chose so; a deletion Discord refuses leaves the flag, marked not deleted.
func TestHandle(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	rules := modrules.New(db.Store, modrules.Options{})
	if _, err := rules.Apply(ctx, guild, modrules.SetMessageAction(moderation.CategoryProfanity, modrules.MessageDelete),
		audit.Entry{GuildID: guild, ActionType: "moderation-test", ActorID: bot}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		ev       chatmod.Event
		refuse   error
		want     chatmod.Decision
		deleted  string // the reason of the deletion asked for
		audited  []string
		flagType string // "" for no flag
	}{
		{name: "bot", ev: chatmod.Event{AuthorBot: true, Content: "you idiot"}, want: chatmod.Decision{Skip: chatmod.SkipBot}},
		{name: "no content", ev: chatmod.Event{Content: "  "}, want: chatmod.Decision{Skip: chatmod.SkipEmpty}},
		{name: "clean", ev: chatmod.Event{Content: "good morning"}},
		{name: "flag", ev: chatmod.Event{Content: "you idiot"}, want: chatmod.Decision{Action: modrules.MessageFlag},
			audited: []string{"message-flag"}, flagType: "message"},
		{name: "delete", ev: chatmod.Event{Content: "this shit", Edited: true}, want: chatmod.Decision{Action: modrules.MessageDelete, Deleted: true},
			deleted: "Message moderation: toxic_language (profanity, medium)", audited: []string{"message-delete", "message-flag"},
			flagType: "message_edit"},
		{name: "deletion refused", ev: chatmod.Event{Content: "this shit"}, refuse: errors.New("403 Missing Permissions"),
			want: chatmod.Decision{Action: modrules.MessageDelete}, audited: []string{"message-delete", "message-flag"}, flagType: "message"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, a := &deleter{refuse: tt.refuse}, &auditor{}
			s := chatmod.New(rules, db.Store, d, nil, a, chatmod.Options{Bot: func() (string, string) { return bot, "embodied" }})
			ev := tt.ev
			ev.GuildID, ev.ChannelID, ev.AuthorID = guild, channel, author
			ev.MessageID = strconv.Itoa(600000000000000000 + i)
			got, err := s.Handle(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			got.Verdict = moderation.Verdict{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s", diff)
			}
			var wantDeleted []string
			if tt.deleted != "" {
				wantDeleted = []string{ev.MessageID + ": " + tt.deleted}
			}
			if diff := cmp.Diff(wantDeleted, d.deleted); diff != "" {
				t.Errorf("deletions mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.audited, a.actions); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
			rows, _ := db.App.Query(ctx, `SELECT content_type FROM content_flags WHERE message_id = $1 AND channel_id = $2
				AND message_deleted = $3`, ev.MessageID, channel, got.Deleted)
			flags, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			want := []string{}
			if tt.flagType != "" {
				want = []string{tt.flagType}
			}
			if diff := cmp.Diff(want, flags); diff != "" {
				t.Errorf("flags mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The status line says whether message moderation runs, and when Discord
// refused the intent, exactly what to enable.
func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		requested, refused bool
		want               string
	}{
		{false, false, ""},
		{true, false, "On: messages posted and edited in this server's channels are checked."},
		{true, true, "⚠️ Message moderation is off: Discord refused the Message Content intent (gateway close 4014, \"Disallowed intent(s).\"). " +
			"Enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, then restart the bot. " +
			"Slash commands keep working."},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, chatmod.Status(tt.requested, tt.refused)); diff != "" {
			t.Errorf("Status(%v, %v) mismatch (-want +got):\n%s", tt.requested, tt.refused, diff)
		}
	}
}
