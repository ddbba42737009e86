package store

import (
	"context"
	"fmt"
)

// MarkSandboxGuild records guildID in sandbox_guilds, so that health counts
// and the enforcement gate leave what happens in it out.
func (s *Store) MarkSandboxGuild(ctx context.Context, guildID string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO sandbox_guilds (guild_id) VALUES ($1) ON CONFLICT DO NOTHING`, guildID); err != nil {
		return fmt.Errorf("mark sandbox guild %s: %w", guildID, err)
	}
	return nil
}
