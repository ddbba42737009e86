package command

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/store"
)

// The status line says who did what when, and what the bot did about it,
// or would have done in safe mode.
func TestAntiNukeIncidentText(t *testing.T) {
	at := time.Unix(1764500000, 0)
	incident := func(enforced bool, actions string) store.AntiNukeIncident {
		return store.AntiNukeIncident{ActorID: "42", Kind: "channel-delete", EndedAt: at, Enforced: enforced,
			EntryIDs: []string{"1", "2", "3", "4"}, Actions: json.RawMessage(actions)}
	}
	const head = "Last incident <t:1764500000:R>: <@42>, 4 channel-delete — "
	tests := []struct {
		name string
		in   store.AntiNukeIncident
		want string
	}{
		{"contained", incident(true, `{"plan":"remove roles Admin","done":["removed role Admin"]}`), head + "contained: removed role Admin"},
		{"partly", incident(true, `{"plan":"remove roles Admin, Mod","done":["removed role Admin"],"failed":["role Mod: 403"]}`),
			head + "contained: removed role Admin; failed: role Mod: 403"},
		{"impossible", incident(true, `{"plan":"nothing","why":"their highest role is above the bot's"}`),
			head + "not contained; their highest role is above the bot's"},
		{"safe mode", incident(false, `{"plan":"remove roles Admin"}`), head + "safe mode, would have: remove roles Admin"},
		{"safe mode, nothing to do", incident(false, `{"plan":"nothing","why":"the owner cannot be contained"}`),
			head + "safe mode; the owner cannot be contained"},
		{"unreadable actions", incident(true, `not json`), head + "not contained"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, antiNukeIncidentText(tt.in)); diff != "" {
				t.Errorf("status line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
