package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A moderator warns a member who left, with a long Cyrillic reason, while
// another guild's ban record waits in the same batch of the audit writer.
// The refusal's security event names the reason cut on a character
// boundary, so the database takes it, and the other guild's ban record
// lands in audit_log (it used to be diverted, with the whole batch, to a
// file nothing read).
func TestWarnOfALeaverDoesNotDivertAnotherGuildsBan(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	other := h.Sim.CreateGuild("Other", discordsim.UserSpec{Username: "otherowner"})
	leaver := h.Sim.User(discordsim.UserSpec{Username: "leaver"})
	ctx := context.Background()

	// Hold the writer on a first batch, so that what follows is queued
	// together and written as one batch.
	owner := storetest.Pool(t, h.DB.OwnerURL)
	lock, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `LOCK TABLE audit_log IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	h.App.Audit.Audit(audit.Entry{GuildID: audit.GlobalGuild, ActionType: "backup", ActorID: audit.SystemActor})
	h.Eventually("the writer waiting on the lock", func() bool {
		return h.Count(`SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'audit_log'::regclass`) > 0
	})

	h.App.Audit.Audit(audit.Entry{GuildID: other.ID, ActionType: "ban", ActorID: other.OwnerID,
		TargetID: "666666666666666666", Reason: "raid", Details: map[string]any{"phase": "outcome", "ok": true}})
	reason := strings.TrimSpace(strings.Repeat("Спам в каналах ссылками ", 16))
	ix := h.Run(h.Moderator, "/security warn", discordsim.User("user", leaver), discordsim.String("reason", reason))
	if want := "❌ <@" + leaver.ID() + "> is not a member of this server."; ix.Content() != want {
		t.Fatalf("reply %q, want %q", ix.Content(), want)
	}
	if err := lock.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	flushCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := h.App.Audit.Flush(flushCtx); err != nil {
		t.Errorf("flush: %v", err)
	}

	if n := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'ban'`, other.ID); n != 1 {
		t.Errorf("%d ban records of the other guild in audit_log, want 1", n)
	}
	rows, err := h.DB.App.Query(ctx, `SELECT attempted FROM security_audit_logs
		WHERE event_type = 'target_not_member' AND target_id = $1`, leaver.ID())
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/security warn reason=Спам в каналах ссылка… user=" + leaver.ID()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the warn's security event mismatch (-want +got):\n%s", diff)
	}
	if h.App.Audit.SetAside() != 0 {
		t.Errorf("%d records set aside, want none", h.App.Audit.SetAside())
	}
}

// A record the database refuses (here an action type outside the table's
// CHECK) is set aside alone: the other records of its batch land, and the
// owners learn of it from /metrics, an alert DM and /security status.
func TestRefusedAuditRecordIsSetAsideAndReported(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	other := h.Sim.CreateGuild("Other", discordsim.UserSpec{Username: "otherowner"})
	h.App.Audit.Audit(audit.Entry{GuildID: h.Guild.ID, ActionType: "Not An Action", ActorID: h.Moderator.ID()})
	h.App.Audit.Audit(audit.Entry{GuildID: other.ID, ActionType: "ban", ActorID: other.OwnerID, TargetID: "666666666666666666"})
	h.App.Audit.Security(audit.SecurityEvent{EventType: "permission_denied", GuildID: other.ID, ActorID: "5", Attempted: "/security ban"})
	if err := h.App.Audit.Flush(context.Background()); err == nil {
		t.Error("Flush reported nothing about the refused record")
	}

	if n := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'ban'`, other.ID); n != 1 {
		t.Errorf("%d ban records of the other guild in audit_log, want 1", n)
	}
	if n := h.Count(`SELECT count(*) FROM security_audit_logs WHERE guild_id = $1`, other.ID); n != 1 {
		t.Errorf("%d security events of the other guild, want 1", n)
	}
	kept, err := audit.ReadSetAside(h.Cfg.AuditFallbackFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Audit == nil || kept[0].Audit.ActionType != "Not An Action" || !strings.Contains(kept[0].Error, "23514") {
		t.Fatalf("set aside: %+v, want the refused record with SQLSTATE 23514", kept)
	}

	// /metrics
	fams, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var setAside float64 = -1
	for _, f := range fams {
		if f.GetName() == "embodied_audit_set_aside_total" {
			setAside = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if setAside != 1 {
		t.Errorf("embodied_audit_set_aside_total = %v, want 1", setAside)
	}
	// The owner's alert.
	want := app.SetAsideAlert(1, 1)
	h.Eventually("the owner's alert DM", func() bool {
		for _, m := range h.Sim.DMs(h.Owner.ID()) {
			if m.Content == want {
				return true
			}
		}
		return false
	})
	// /security status, for an owner.
	st := h.Run(h.Owner, "/security status")
	var got []string
	for _, f := range st.Embeds()[0].Fields {
		if f.Name == "Audit records set aside" {
			got = append(got, f.Value)
		}
	}
	if diff := cmp.Diff([]string{"1 — run `embodied audit rejected`"}, got); diff != "" {
		t.Errorf("/security status mismatch (-want +got):\n%s", diff)
	}
	// A guild admin does not see a figure that spans every guild.
	for _, f := range h.Run(h.Admin, "/security status").Embeds()[0].Fields {
		if f.Name == "Audit records set aside" {
			t.Errorf("a guild admin sees %q: %q", f.Name, f.Value)
		}
	}
}
