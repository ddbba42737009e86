package middleware

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
)

type replies struct{ got []Response }

func (r *replies) Defer(context.Context, bool) error { return nil }
func (r *replies) Respond(_ context.Context, m Response) error {
	r.got = append(r.got, m)
	return nil
}
func (r *replies) Followup(ctx context.Context, m Response) error { return r.Respond(ctx, m) }
func (r *replies) Edit(ctx context.Context, m Response) error     { return r.Respond(ctx, m) }

type events struct{ got []audit.SecurityEvent }

func (e *events) Security(ev audit.SecurityEvent) { e.got = append(e.got, ev) }

func TestRecover(t *testing.T) {
	tests := []struct {
		name      string
		handler   Handler
		wantReply string // a regexp
		wantEvent string
		wantLog   bool
	}{
		{"panic", func(context.Context, *Interaction) error { panic("boom") },
			`^❌ Something went wrong \(ref ([0-9A-F]{6})\)\. The team can look it up in the logs\.$`, "", true},
		{"unexpected error", func(context.Context, *Interaction) error { return errors.New("db down") },
			`^❌ Something went wrong \(ref ([0-9A-F]{6})\)`, "", true},
		{"user error", func(context.Context, *Interaction) error { return Errorf("❌ Nope.") }, `^❌ Nope\.$`, "", false},
		{"database unavailable", func(context.Context, *Interaction) error {
			return fmt.Errorf("profile of 2: %w", store.ErrUnavailable)
		}, "^" + regexp.QuoteMeta(MsgDatabaseUnavailable) + "$", "", false},
		{"refusal", func(context.Context, *Interaction) error {
			return Refuse("foreign_record", audit.Medium, "42", "❌ You have no contact #%d.", 7)
		}, `^❌ You have no contact #7\.$`, "foreign_record", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logging.Capture{}
			logger, _, _ := logging.New(logs, logging.Options{Format: "text", Level: "info"})
			r, ev := &replies{}, &events{}
			in := &Interaction{GuildID: "1", User: User{ID: "2"}, Command: "barbie remove", Options: map[string]any{"id": int64(7)}, Reply: r}
			if err := Chain(tt.handler, Recover(logger, ev))(context.Background(), in); err != nil {
				t.Fatalf("Recover let %v through", err)
			}
			if len(r.got) != 1 || !r.got[0].Ephemeral {
				t.Fatalf("replies: %+v", r.got)
			}
			m := regexp.MustCompile(tt.wantReply).FindStringSubmatch(r.got[0].Content)
			if m == nil {
				t.Fatalf("reply %q does not match %s", r.got[0].Content, tt.wantReply)
			}
			if tt.wantLog && (len(m) < 2 || len(logs.Lines("Interaction failed", "ref="+m[1])) != 1) {
				t.Errorf("no log line under the ref: %s", logs.String())
			}
			var gotEvents []string
			for _, e := range ev.got {
				gotEvents = append(gotEvents, e.EventType+" "+e.GuildID+" "+e.ActorID+" "+e.TargetID+" "+e.Attempted)
			}
			var want []string
			if tt.wantEvent != "" {
				want = []string{tt.wantEvent + " 1 2 42 /barbie remove id=7"}
			}
			if diff := cmp.Diff(want, gotEvents); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

type deferrals struct {
	replies
	deferred []bool
}

func (d *deferrals) Defer(_ context.Context, ephemeral bool) error {
	d.deferred = append(d.deferred, ephemeral)
	return nil
}

// Dispatch runs the declaration the bot resolved: a command's handler,
// acknowledged first when its Spec says Defer, or a component's.
func TestDispatch(t *testing.T) {
	t.Parallel()
	var ran []string
	handler := func(name string) Handler {
		return func(context.Context, *Interaction) error { ran = append(ran, name); return nil }
	}
	tests := []struct {
		name      string
		in        Interaction
		wantRan   []string
		wantDefer []bool
		wantErr   string
	}{
		{"command", Interaction{Spec: &Spec{Handle: handler("command")}}, []string{"command"}, nil, ""},
		{"deferred command", Interaction{Spec: &Spec{Defer: true, Handle: handler("slow")}, Policy: Policy{Ephemeral: true}},
			[]string{"slow"}, []bool{true}, ""},
		{"component", Interaction{Kind: KindComponent, Component: &Component{Handle: handler("button")}}, []string{"button"}, nil, ""},
		{"undeclared", Interaction{}, nil, nil, MsgUnknown},
	}
	for _, tt := range tests {
		ran = nil
		d := &deferrals{}
		in := tt.in
		in.Reply = d
		err := Dispatch(context.Background(), &in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
			t.Errorf("%s: error mismatch (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.wantRan, ran); diff != "" {
			t.Errorf("%s: handlers mismatch (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.wantDefer, d.deferred); diff != "" {
			t.Errorf("%s: deferrals mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}
