package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// A warning DM that Discord answered 503 is queued; once its job settles
// it, the warning's DM status is the job's outcome, and the server's admins see it
// in /security audit: delivered ("sent"), or refused for good because the
// member closed their DMs meanwhile ("closed").
func TestQueuedWarningDMSettlesItsStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		closesDMs bool
		want      string
	}{
		{"delivered", false, "sent"},
		{"refused for good", true, "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t)
			h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 503, Count: 1})
			if tt.closesDMs {
				h.Sim.RefuseDMs(h.Alice.ID())
			}
			h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))

			settled := `SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status <> 'pending'`
			for deadline := time.Now().Add(30 * time.Second); h.Count(settled, h.Alice.ID()) == 0; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the queued DM's outcome never reached the warning")
				}
			}
			// A job run again (its process died before River marked it
			// done) records nothing more.
			var guildID string
			var warningID int64
			if err := h.DB.App.QueryRow(context.Background(), `SELECT guild_id, id FROM user_warnings WHERE user_id = $1`, h.Alice.ID()).Scan(&guildID, &warningID); err != nil {
				t.Fatal(err)
			}
			h.App.Strikes.SettleDM(context.Background(), guildID, warningID, errors.New("503 again"))
			if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status = $2`, h.Alice.ID(), tt.want); n != 1 {
				t.Errorf("warnings with dm_status %q: %d, want 1", tt.want, n)
			}
			var got []string
			for _, e := range h.Run(h.Admin, "/security audit").Embeds() {
				for _, f := range e.Fields {
					if strings.HasPrefix(f.Name, "warning-dm - ") {
						got = append(got, f.Value)
					}
				}
			}
			want := []string{"Admin: <@system>\nTarget: <@" + h.Alice.ID() + ">\nReason: case #1: queued DM " + tt.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("/security audit warning-dm records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
