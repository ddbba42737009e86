package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Setting returns the value of a bot_settings key, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := s.pool.QueryRow(ctx, `SELECT value FROM bot_settings WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return value, nil
}

// DeleteSetting removes a bot_settings key (nothing when it is absent).
func (s *Store) DeleteSetting(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM bot_settings WHERE key = $1`, key); err != nil {
		return fmt.Errorf("delete setting %s: %w", key, err)
	}
	return nil
}
