package shard

import (
	"context"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
)

// SessionLimits reads Limits from GET /gateway/bot through s (REST only).
func SessionLimits(s *discordgo.Session) func(context.Context) (Limits, error) {
	return func(ctx context.Context) (Limits, error) {
		gb, err := s.GatewayBot(discordgo.WithContext(ctx))
		if err != nil {
			return Limits{}, fmt.Errorf("get /gateway/bot: %w", err)
		}
		return Limits{Shards: gb.Shards, MaxConcurrency: gb.SessionStartLimit.MaxConcurrency,
			Remaining: gb.SessionStartLimit.Remaining, ResetAfter: time.Duration(gb.SessionStartLimit.ResetAfter) * time.Millisecond}, nil
	}
}
