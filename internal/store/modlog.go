package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetModLog sets (or, with channelID nil, clears) a guild's mod-log channel
// in guild_strike_settings.
func (t Tx) SetModLog(ctx context.Context, guildID string, channelID *string, by string, at time.Time) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO guild_strike_settings (guild_id, mod_log_channel_id, updated_by, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id) DO UPDATE
			SET mod_log_channel_id = EXCLUDED.mod_log_channel_id, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
		guildID, channelID, by, at); err != nil {
		return fmt.Errorf("set mod-log channel of guild %s: %w", guildID, err)
	}
	return nil
}

// ModLog returns a guild's mod-log channel, or ErrNotFound when it has none.
func (s *Store) ModLog(ctx context.Context, guildID string) (string, error) {
	var ch *string
	err := s.pool.QueryRow(ctx, `SELECT mod_log_channel_id FROM guild_strike_settings WHERE guild_id = $1`, guildID).Scan(&ch)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && ch == nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("mod-log channel of guild %s: %w", guildID, err)
	}
	return *ch, nil
}
