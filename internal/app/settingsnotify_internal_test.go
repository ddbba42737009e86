package app

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

// TestOwnsGuild: a process owns the guilds of the shards it runs, as
// Discord routes them ((guild_id >> 22) % shard_count); an HTTP-mode
// process owns none.
func TestOwnsGuild(t *testing.T) {
	// Guild ids on shards 0, 1, 2 and 3 of 4.
	guilds := []string{"0", "4194304", "8388608", "12582912"}
	shards := func(count int, ids ...int) []*discordgo.Session {
		out := make([]*discordgo.Session, len(ids))
		for i, id := range ids {
			out[i] = &discordgo.Session{ShardID: id, ShardCount: count}
		}
		return out
	}
	tests := []struct {
		name     string
		httpOnly bool
		sessions []*discordgo.Session
		want     []bool
	}{
		{name: "unsharded", sessions: shards(0, 0), want: []bool{true, true, true, true}},
		{name: "shard 1 of 4", sessions: shards(4, 1), want: []bool{false, true, false, false}},
		{name: "auto: every shard", sessions: shards(4, 0, 1, 2, 3), want: []bool{true, true, true, true}},
		{name: "shard 0 of 2", sessions: shards(2, 0), want: []bool{true, false, true, false}},
		{name: "HTTP mode", httpOnly: true, sessions: shards(0, 0), want: []bool{false, false, false, false}},
	}
	for _, tt := range tests {
		a := &App{cfg: &config.Config{HTTPOnly: tt.httpOnly}, shardSessions: tt.sessions}
		var got []bool
		for _, g := range guilds {
			got = append(got, a.ownsGuild(g))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: owned mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}
