package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/store"
)

// sink records what the middleware queues and flushes, in order.
// A stuck sink's Flush never finishes on its own, as when the database does
// not answer.
type sink struct {
	events []string
	stuck  bool
}

func (s *sink) Audit(e audit.Entry) {
	ev := e.ActionType + ":" + e.Details["phase"].(string)
	if ok, isOutcome := e.Details["ok"].(bool); isOutcome {
		ev += fmt.Sprintf(" ok=%v bans=%v", ok, e.Details["bans"])
	}
	s.events = append(s.events, ev)
}

func (s *sink) Flush(ctx context.Context) error {
	s.events = append(s.events, "flush")
	if s.stuck {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

var errDiscord = errors.New("discord said no")

func TestIntentBeforeEffectOutcomeAfter(t *testing.T) {
	tests := []struct {
		name    string
		effect  middleware.Effect
		handler error
		stuck   bool
		wantErr error
		want    []string
	}{
		{"external effect", middleware.External, nil, false, nil, []string{"ban:intent", "flush", "handler", "ban:outcome ok=true bans=1"}},
		{"external effect that fails", middleware.External, errDiscord, false, errDiscord,
			[]string{"ban:intent", "flush", "handler", "ban:outcome ok=false bans=1"}},
		{"database only", middleware.DatabaseOnly, nil, false, nil, []string{"handler"}},
		// The effect never comes before its intent is durable: the database
		// not answering within the interaction's wait stops the action.
		{"intent not durable within the wait", middleware.External, nil, true, store.ErrUnavailable,
			[]string{"ban:intent", "flush", "ban:outcome ok=false bans=<nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{stuck: tt.stuck}
			h := Middleware(s, slog.New(slog.DiscardHandler))(func(ctx context.Context, in *middleware.Interaction) error {
				s.events = append(s.events, "handler")
				in.Detail("bans", 1)
				return tt.handler
			})
			in := &middleware.Interaction{ID: "9", GuildID: "1", User: middleware.User{ID: "2"}, Command: "security ban",
				Options: map[string]any{"user": "3", "reason": "spam"},
				Policy:  middleware.Policy{ActionType: "ban", Effect: tt.effect}}
			err := h(store.WithWait(context.Background(), 10*time.Millisecond), in)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			// The intent is flushed (made durable) before the handler runs.
			got := s.events
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEntry(t *testing.T) {
	in := &middleware.Interaction{ID: "9", GuildID: "1", User: middleware.User{ID: "2"}, Command: "admin adjust-xp",
		Policy: middleware.Policy{ActionType: "adjust-xp"}}
	in.Detail("delta", 5)
	got := Entry(in, "3", "why")
	want := audit.Entry{GuildID: "1", ActionType: "adjust-xp", ActorID: "2", TargetID: "3", Reason: "why",
		Details: map[string]any{"command": "/admin adjust-xp", "interactionId": "9", "delta": 5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry mismatch (-want +got):\n%s", diff)
	}
}
