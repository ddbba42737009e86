package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Profile is a member's progress in one guild.
type Profile struct {
	GuildID       string     `db:"guild_id" json:"guildId"`
	UserID        string     `db:"user_id" json:"userId"`
	XP            int64      `db:"xp" json:"xp"`
	Level         int        `db:"level" json:"level"`
	StreakDays    int        `db:"streak_days" json:"streakDays"`
	LastActiveDay *time.Time `db:"last_active_day" json:"lastActiveDay"`
	CreatedAt     time.Time  `db:"created_at" json:"createdAt"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updatedAt"`
}

// LevelForXP is the level a member with xp experience points has: each level
// needs 100 XP more than the one before (100, 300, 600, …).
func LevelForXP(xp int64) int {
	level := 0
	for need := int64(100); xp >= need; need += int64(level+2) * 100 {
		level++
	}
	return level
}

// Profile returns a member's profile, or ErrNotFound.
func (s *Store) Profile(ctx context.Context, guildID, userID string) (Profile, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT guild_id, user_id, xp, level, streak_days, last_active_day, created_at, updated_at
		FROM member_profiles WHERE guild_id = $1 AND user_id = $2`, guildID, userID)
	p, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Profile]))
	if err != nil {
		return p, fmt.Errorf("profile %s/%s: %w", guildID, userID, err)
	}
	return p, nil
}

// addXP adds delta (which may be negative) to a member's XP inside tx,
// creating the profile when needed, and never lets XP go below zero.
func addXP(ctx context.Context, tx pgx.Tx, guildID, userID string, delta int64) (Profile, error) {
	rows, _ := tx.Query(ctx, `
		INSERT INTO member_profiles (guild_id, user_id, xp)
		VALUES ($1, $2, GREATEST($3::bigint, 0))
		ON CONFLICT (guild_id, user_id) DO UPDATE
		SET xp = GREATEST(member_profiles.xp + $3::bigint, 0), updated_at = now()
		RETURNING guild_id, user_id, xp, level, streak_days, last_active_day, created_at, updated_at`,
		guildID, userID, delta)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Profile])
	if err != nil {
		return p, fmt.Errorf("add %d XP to %s/%s: %w", delta, guildID, userID, err)
	}
	if lvl := LevelForXP(p.XP); lvl != p.Level {
		if _, err := tx.Exec(ctx, `UPDATE member_profiles SET level = $3 WHERE guild_id = $1 AND user_id = $2`,
			guildID, userID, lvl); err != nil {
			return p, fmt.Errorf("set level of %s/%s: %w", guildID, userID, err)
		}
		p.Level = lvl
	}
	return p, nil
}

// AddXP adds delta XP to a member and returns the updated profile.
func (s *Store) AddXP(ctx context.Context, guildID, userID string, delta int64) (Profile, error) {
	var p Profile
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = addXP(ctx, tx, guildID, userID, delta)
		return err
	})
	return p, err
}
