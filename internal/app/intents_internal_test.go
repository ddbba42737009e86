package app

import (
	"log/slog"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestIntentWatchCountsEachShard checks that watch counts each shard
// session's failed reconnects on its own: another shard's READY neither
// hides them nor adds to them.
func TestIntentWatchCountsEachShard(t *testing.T) {
	type event struct {
		shard int
		ready bool // READY, else a disconnect
	}
	tests := []struct {
		name   string
		events []event
		probes int
	}{
		{"one shard failing twice probes", []event{{0, true}, {0, false}, {0, false}, {0, false}}, 1},
		{"another shard's READY does not hide the failures",
			[]event{{0, true}, {0, false}, {1, true}, {0, false}, {1, false}, {1, true}, {0, false}}, 1},
		{"two shards failing once each do not probe",
			[]event{{0, true}, {1, true}, {0, false}, {1, false}, {0, false}, {1, false}}, 0},
		{"a READY between the failures starts the count again",
			[]event{{0, false}, {0, true}, {0, false}, {0, false}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probes := 0
			p := &privilegedIntent{requested: true, probe: func() error { probes++; return nil }}
			sessions := []*discordgo.Session{{}, {}}
			set := &intentSet{list: []*privilegedIntent{p}, sessions: sessions}
			var ready []func(*discordgo.Session, *discordgo.Ready)
			var gone []func(*discordgo.Session, *discordgo.Disconnect)
			set.watch(func(h any) func() {
				switch h := h.(type) {
				case func(*discordgo.Session, *discordgo.Ready):
					ready = append(ready, h)
				case func(*discordgo.Session, *discordgo.Disconnect):
					gone = append(gone, h)
				}
				return func() {}
			}, slog.New(slog.DiscardHandler))
			for _, e := range tt.events {
				s := sessions[e.shard]
				if e.ready {
					for _, h := range ready {
						h(s, &discordgo.Ready{})
					}
					continue
				}
				for _, h := range gone {
					h(s, &discordgo.Disconnect{})
				}
			}
			if probes != tt.probes {
				t.Errorf("probes = %d, want %d", probes, tt.probes)
			}
		})
	}
}
