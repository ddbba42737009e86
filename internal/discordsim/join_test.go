package discordsim_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// TestJoinAccountAgeAndVerificationLevel: a joining account's id carries
// its creation time, GUILD_MEMBER_ADD has guild_id and joined_at, and
// PATCH /guilds/{id} changes the verification level with MANAGE_GUILD,
// dispatching GUILD_UPDATE and recording the audit reason.
func TestJoinAccountAgeAndVerificationLevel(t *testing.T) {
	t.Parallel()
	clock := discordsim.NewManualClock(time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC))
	sim := discordsim.NewTest(t, discordsim.Options{Clock: clock})
	g := sim.SeedSandbox()
	adds := make(chan *discordgo.GuildMemberAdd, 16)
	updates := make(chan *discordgo.GuildUpdate, 16)
	b := startBotWith(t, sim, nil, func(s *discordgo.Session) {
		s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMembers
		s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildMemberAdd) { adds <- e })
		s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildUpdate) { updates <- e })
	})

	m := g.AddMember(discordsim.UserSpec{Username: "fresh", AccountAge: 3 * time.Hour})
	id, err := strconv.ParseUint(m.ID(), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	created := time.UnixMilli(int64(id>>22) + 1420070400000).UTC()
	if want := clock.Now().Add(-3 * time.Hour); !created.Equal(want) {
		t.Errorf("account created at %v, want %v", created, want)
	}
	var e *discordgo.GuildMemberAdd
	for e == nil || e.User.ID != m.ID() {
		select {
		case e = <-adds:
		case <-time.After(10 * time.Second):
			t.Fatal("no GUILD_MEMBER_ADD")
		}
	}
	got := []any{e.GuildID, e.User.ID, e.JoinedAt.Equal(clock.Now())}
	if diff := cmp.Diff([]any{g.ID, m.ID(), true}, got); diff != "" {
		t.Errorf("GUILD_MEMBER_ADD mismatch (-want +got):\n%s", diff)
	}

	level := discordgo.VerificationLevelHigh
	_, err = b.GuildEdit(g.ID, &discordgo.GuildParams{VerificationLevel: &level})
	if code := restCode(err); code != discordsim.CodeMissingPermissions {
		t.Fatalf("without MANAGE_GUILD: %v, want 50013", err)
	}
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageGuild)
	edited, err := b.GuildEdit(g.ID, &discordgo.GuildParams{VerificationLevel: &level}, discordgo.WithAuditLogReason("Raid mode"))
	if err != nil {
		t.Fatal(err)
	}
	if edited.VerificationLevel != level || g.VerificationLevel() != int(level) {
		t.Errorf("verification level: answer %d, guild %d, want %d", edited.VerificationLevel, g.VerificationLevel(), level)
	}
	select {
	case e := <-updates:
		if e.VerificationLevel != level {
			t.Errorf("GUILD_UPDATE verification_level = %d, want %d", e.VerificationLevel, level)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no GUILD_UPDATE")
	}
	audit := sim.AuditReasons(g.ID)
	last := audit[len(audit)-1]
	if diff := cmp.Diff([]string{"guild-update", g.ID, "Raid mode"}, []string{last.Action, last.TargetID, last.Reason}); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
}
