package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GuildRulesChannel is the LISTEN/NOTIFY channel on which every committed
// change of a guild's rules and settings (moderation rules, raid settings)
// is announced; the payload is the guild id, and every process drops that
// guild from all its per-guild caches (internal/notify).
const GuildRulesChannel = "embodied_guild_rules"

// ListenConn returns a connection of its own for LISTEN: taken out of the
// pool (the pool opens another in its place), with the pool's settings and
// credentials. The caller closes it.
func (s *Store) ListenConn(ctx context.Context) (*pgx.Conn, error) {
	c, err := s.pool.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("open listen connection: %w", err)
	}
	return c.Hijack(), nil
}
