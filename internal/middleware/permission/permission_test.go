package permission

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"

	"github.com/embodied-community/embodied/internal/middleware"
)

func TestLevel(t *testing.T) {
	owners := []string{"100000000000000001", "100000000000000002"}
	g := New(owners, nil, nil, nil)
	tests := []struct {
		user  string
		perms int64
		want  middleware.Level
	}{
		{"100000000000000001", 0, middleware.Owner},
		{"100000000000000002", 0, middleware.Owner}, // second owner of the list
		{"300000000000000000", middleware.PermAdministrator, middleware.Admin},
		{"300000000000000000", middleware.PermManageGuild, middleware.Admin},
		{"300000000000000000", middleware.PermModerateMembers, middleware.Moderator},
		{"300000000000000000", middleware.PermBanMembers, middleware.Member}, // banning alone is not moderation here
		{"300000000000000000", 0, middleware.Member},
	}
	for _, tt := range tests {
		if got := g.Level(tt.user, tt.perms); got != tt.want {
			t.Errorf("Level(%s, %b) = %v, want %v", tt.user, tt.perms, got, tt.want)
		}
		if got := Level(owners, tt.user, tt.perms); got != tt.want {
			t.Errorf("permission.Level(owners, %s, %b) = %v, want %v", tt.user, tt.perms, got, tt.want)
		}
	}
}

type replies struct{ got []middleware.Response }

func (r *replies) Defer(context.Context, bool) error { return nil }
func (r *replies) Respond(_ context.Context, m middleware.Response) error {
	r.got = append(r.got, m)
	return nil
}
func (r *replies) Followup(ctx context.Context, m middleware.Response) error {
	return r.Respond(ctx, m)
}
func (r *replies) Edit(ctx context.Context, m middleware.Response) error { return r.Respond(ctx, m) }

type events struct{ got []audit.SecurityEvent }

func (e *events) Security(ev audit.SecurityEvent) { e.got = append(e.got, ev) }

func TestGuard(t *testing.T) {
	tests := []struct {
		name      string
		perms     int64
		level     middleware.Level
		sink      bool
		wantRan   bool
		wantReply string
	}{
		{"member runs a member command", 0, middleware.Member, true, true, ""},
		{"moderator runs a moderator command", middleware.PermModerateMembers, middleware.Moderator, true, true, ""},
		{"admin runs a moderator command", middleware.PermAdministrator, middleware.Moderator, true, true, ""},
		{"member runs an admin command", 0, middleware.Admin, true, false, DeniedMessage},
		{"moderator runs an admin command", middleware.PermModerateMembers, middleware.Admin, true, false, DeniedMessage},
		{"admin runs an owner command", middleware.PermAdministrator, middleware.Owner, true, false, DeniedMessage},
		{"denied without an event sink", 0, middleware.Admin, false, false, DeniedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logging.Capture{}
			logger, _, _ := logging.New(logs, logging.Options{Format: "text", Level: "info"})
			ev := &events{}
			var sink middleware.EventSink
			if tt.sink {
				sink = ev
			}
			var denied []string
			g := New([]string{"100000000000000001"}, sink, logger,
				func(c string) { denied = append(denied, c) })
			ran := false
			r := &replies{}
			in := &middleware.Interaction{GuildID: "9", User: middleware.User{ID: "300000000000000000"}, Command: "security audit",
				Permissions: tt.perms, Policy: middleware.Policy{Level: tt.level}, Reply: r}
			err := g.Middleware()(func(context.Context, *middleware.Interaction) error { ran = true; return nil })(context.Background(), in)
			if err != nil || ran != tt.wantRan {
				t.Fatalf("ran %v err %v, want ran %v", ran, err, tt.wantRan)
			}
			if tt.wantReply == "" {
				if len(r.got)+len(ev.got)+len(denied) != 0 || logs.String() != "" {
					t.Errorf("allowed call left traces: replies %v events %v log %q", r.got, ev.got, logs.String())
				}
				return
			}
			if len(r.got) != 1 || r.got[0].Content != tt.wantReply || !r.got[0].Ephemeral || in.Outcome != "denied" {
				t.Errorf("replies %+v outcome %q", r.got, in.Outcome)
			}
			if n := len(logs.Lines("WARN [PermissionGuard] Permission denied userId=300000000000000000 command=security")); n != 1 {
				t.Errorf("log: %q", logs.String())
			}
			if tt.sink && (len(ev.got) != 1 || ev.got[0].EventType != "permission_denied" || ev.got[0].Attempted != "/security audit") {
				t.Errorf("events %+v", ev.got)
			}
			if len(denied) != 1 || denied[0] != "security" {
				t.Errorf("metrics hook got %v", denied)
			}
		})
	}
}

// A guild-only command in a DM is refused whatever the caller's level, with
// one guild_only_in_dm event; a command that works anywhere runs.
func TestGuardRefusesGuildOnlyInDM(t *testing.T) {
	tests := []struct {
		name       string
		policy     middleware.Policy
		wantRan    bool
		wantEvents []string
	}{
		{"member command", middleware.Policy{Level: middleware.Member, GuildOnly: true}, false, []string{"guild_only_in_dm"}},
		{"admin command", middleware.Policy{Level: middleware.Admin, GuildOnly: true}, false, []string{"guild_only_in_dm"}},
		{"works anywhere", middleware.Policy{Level: middleware.Member}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &events{}
			g := New(nil, ev, slogDiscard(), nil)
			r := &replies{}
			in := &middleware.Interaction{User: middleware.User{ID: "300000000000000000"}, Command: "barbie list", Policy: tt.policy, Reply: r}
			ran := false
			if err := g.Middleware()(func(context.Context, *middleware.Interaction) error { ran = true; return nil })(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range ev.got {
				got = append(got, e.EventType)
			}
			if ran != tt.wantRan || !slices.Equal(got, tt.wantEvents) {
				t.Errorf("ran %v events %q, want ran %v events %q", ran, got, tt.wantRan, tt.wantEvents)
			}
			if !tt.wantRan && (len(r.got) != 1 || r.got[0].Content != GuildOnlyMessage || !r.got[0].Ephemeral) {
				t.Errorf("replies %+v", r.got)
			}
		})
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
