package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// FlagAuthor returns the member whose content a guild's flag is about, so
// that a review can be refused to them. A flag of another guild is
// ErrNotFound.
func (s *Store) FlagAuthor(ctx context.Context, guildID string, id int64) (string, error) {
	var userID string
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM content_flags WHERE guild_id = $1 AND id = $2`, guildID, id).Scan(&userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("author of flag %d in %s: %w", id, guildID, err)
	}
	return userID, nil
}
