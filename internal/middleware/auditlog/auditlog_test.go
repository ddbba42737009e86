package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
)

// sink records what the middleware queues and flushes, in order.
type sink struct{ events []string }

func (s *sink) Audit(e audit.Entry) {
	ev := e.ActionType + ":" + e.Details["phase"].(string)
	if ok, isOutcome := e.Details["ok"].(bool); isOutcome {
		ev += fmt.Sprintf(" ok=%v bans=%v", ok, e.Details["bans"])
	}
	s.events = append(s.events, ev)
}

func (s *sink) Flush(context.Context) error {
	s.events = append(s.events, "flush")
	return nil
}

func TestIntentBeforeEffectOutcomeAfter(t *testing.T) {
	tests := []struct {
		name    string
		effect  middleware.Effect
		handler error
		want    []string
	}{
		{"external effect", middleware.External, nil, []string{"ban:intent", "flush", "handler", "ban:outcome ok=true bans=1"}},
		{"external effect that fails", middleware.External, errors.New("discord said no"),
			[]string{"ban:intent", "flush", "handler", "ban:outcome ok=false bans=1"}},
		{"database only", middleware.DatabaseOnly, nil, []string{"handler"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			h := Middleware(s, slog.New(slog.DiscardHandler))(func(ctx context.Context, in *middleware.Interaction) error {
				s.events = append(s.events, "handler")
				in.Detail("bans", 1)
				return tt.handler
			})
			in := &middleware.Interaction{ID: "9", GuildID: "1", User: middleware.User{ID: "2"}, Command: "security ban",
				Options: map[string]any{"user": "3", "reason": "spam"},
				Policy:  middleware.Policy{ActionType: "ban", Effect: tt.effect}}
			err := h(context.Background(), in)
			if !errors.Is(err, tt.handler) {
				t.Errorf("error %v, want %v", err, tt.handler)
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
