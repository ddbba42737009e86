package store

import (
	"context"
	"fmt"
	"time"
)

// ModerationOutcomes counts a guild's timeouts and bans since a time by how
// they ended: applied by Discord, refused by Discord (failed), or only
// recorded in safe mode (simulated).
type ModerationOutcomes struct {
	Applied, Failed, Simulated int
}

// RecentModerationOutcomes counts user_moderation rows since since.
func (s *Store) RecentModerationOutcomes(ctx context.Context, guildID string, since time.Time) (ModerationOutcomes, error) {
	var o ModerationOutcomes
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status = 'applied'), count(*) FILTER (WHERE status = 'failed'),
		       count(*) FILTER (WHERE status = 'simulated')
		FROM user_moderation WHERE guild_id = $1 AND created_at >= $2 AND action IN ('timeout', 'ban')`,
		guildID, since).Scan(&o.Applied, &o.Failed, &o.Simulated)
	if err != nil {
		return o, fmt.Errorf("moderation outcomes of %s: %w", guildID, err)
	}
	return o, nil
}
