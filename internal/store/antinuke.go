package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AntiNukeLimit is an antinuke_limits row: a guild's override of one kind's limit.
type AntiNukeLimit struct {
	Kind          string `db:"kind"`
	MaxCount      int    `db:"max_count"`
	WindowSeconds int    `db:"window_seconds"`
}

// AntiNukeSettings is a guild's anti-nuke configuration: its limit overrides and
// trusted actors (besides the owner and ADMIN_USER_ID, trusted without a row).
type AntiNukeSettings struct {
	Limits  []AntiNukeLimit
	Trusted []string
}

// AntiNukeSettings returns a guild's overrides and trusted actors; a guild that set
// none has empty settings (no error).
func (s *Store) AntiNukeSettings(ctx context.Context, guildID string) (AntiNukeSettings, error) {
	rows, _ := s.pool.Query(ctx, `SELECT kind, max_count, window_seconds FROM antinuke_limits
		WHERE guild_id = $1 ORDER BY kind`, guildID)
	limits, err := pgx.CollectRows(rows, pgx.RowToStructByName[AntiNukeLimit])
	if err != nil {
		return AntiNukeSettings{}, fmt.Errorf("anti-nuke limits of %s: %w", guildID, err)
	}
	rows, _ = s.pool.Query(ctx, `SELECT user_id FROM antinuke_trusted WHERE guild_id = $1 ORDER BY user_id`, guildID)
	trusted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return AntiNukeSettings{}, fmt.Errorf("anti-nuke trusted actors of %s: %w", guildID, err)
	}
	return AntiNukeSettings{Limits: limits, Trusted: trusted}, nil
}

// SetAntiNukeLimit overrides a kind's limit in a guild, with its audit record in
// the same transaction.
func (s *Store) SetAntiNukeLimit(ctx context.Context, guildID string, l AntiNukeLimit, by string, entry AuditEntry) error {
	return s.antiNukeChange(ctx, entry, fmt.Sprintf("set anti-nuke limit %s of %s", l.Kind, guildID), `
		INSERT INTO antinuke_limits (guild_id, kind, max_count, window_seconds, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (guild_id, kind) DO UPDATE SET max_count = EXCLUDED.max_count,
			window_seconds = EXCLUDED.window_seconds, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		guildID, l.Kind, l.MaxCount, l.WindowSeconds, by)
}

// TrustAntiNukeActor adds a trusted actor, audited in the same transaction.
func (s *Store) TrustAntiNukeActor(ctx context.Context, guildID, userID, by string, entry AuditEntry) error {
	return s.antiNukeChange(ctx, entry, fmt.Sprintf("trust %s in %s", userID, guildID), `
		INSERT INTO antinuke_trusted (guild_id, user_id, added_by) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, user_id) DO NOTHING`, guildID, userID, by)
}

// UntrustAntiNukeActor removes a trusted actor, audited in the same transaction; an
// actor who was not trusted is ErrNotFound.
func (s *Store) UntrustAntiNukeActor(ctx context.Context, guildID, userID string, entry AuditEntry) error {
	return s.antiNukeChange(ctx, entry, fmt.Sprintf("untrust %s in %s", userID, guildID),
		`DELETE FROM antinuke_trusted WHERE guild_id = $1 AND user_id = $2`, guildID, userID)
}

// antiNukeChange runs one statement and its audit record in a transaction; a
// statement that touched no row is ErrNotFound.
func (s *Store) antiNukeChange(ctx context.Context, entry AuditEntry, what, sql string, args ...any) error {
	err := s.InTx(ctx, func(tx Tx) error {
		tag, err := tx.tx.Exec(ctx, sql, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 && tag.Delete() {
			return ErrNotFound
		}
		return tx.Audit(ctx, entry)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// AntiNukeIncident is an antinuke_incidents row: one breach, who and what, when, and
// what the bot did (Enforced) or would have done (safe mode).
type AntiNukeIncident struct {
	ID        int64           `db:"id"`
	GuildID   string          `db:"guild_id"`
	ActorID   string          `db:"actor_id"`
	Kind      string          `db:"kind"`
	StartedAt time.Time       `db:"started_at"`
	EndedAt   time.Time       `db:"ended_at"`
	Enforced  bool            `db:"enforced"`
	EntryIDs  []string        `db:"entry_ids"`
	Actions   json.RawMessage `db:"actions"`
}

// RecordAntiNukeIncident stores an incident and returns its ID.
func (s *Store) RecordAntiNukeIncident(ctx context.Context, in AntiNukeIncident) (int64, error) {
	if in.Actions == nil {
		in.Actions = json.RawMessage(`{}`)
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO antinuke_incidents (guild_id, actor_id, kind, started_at, ended_at, enforced, entry_ids, actions)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		in.GuildID, in.ActorID, in.Kind, in.StartedAt, in.EndedAt, in.Enforced, in.EntryIDs, in.Actions).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record anti-nuke incident in %s: %w", in.GuildID, err)
	}
	return id, nil
}

// AntiNukeIncidents returns a guild's incidents, newest first.
func (s *Store) AntiNukeIncidents(ctx context.Context, guildID string) ([]AntiNukeIncident, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, guild_id, actor_id, kind, started_at, ended_at, enforced, entry_ids, actions
		FROM antinuke_incidents WHERE guild_id = $1 ORDER BY started_at DESC, id DESC`, guildID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AntiNukeIncident])
	if err != nil {
		return nil, fmt.Errorf("anti-nuke incidents of %s: %w", guildID, err)
	}
	return list, nil
}

// LatestAntiNukeIncident returns a guild's newest incident; a guild without
// one is ErrNotFound.
func (s *Store) LatestAntiNukeIncident(ctx context.Context, guildID string) (AntiNukeIncident, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, guild_id, actor_id, kind, started_at, ended_at, enforced, entry_ids, actions
		FROM antinuke_incidents WHERE guild_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1`, guildID)
	in, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AntiNukeIncident])
	if errors.Is(err, pgx.ErrNoRows) {
		return AntiNukeIncident{}, ErrNotFound
	}
	if err != nil {
		return AntiNukeIncident{}, fmt.Errorf("latest anti-nuke incident of %s: %w", guildID, err)
	}
	return in, nil
}
