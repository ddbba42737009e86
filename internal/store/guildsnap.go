package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Snapshot kinds: what a guild_snapshot row holds.
const (
	SnapshotRole    = "role"
	SnapshotChannel = "channel"
)

// SnapshotObject is a guild_snapshot row: the last known state of a role or
// channel (guildsnap.Role or guildsnap.Channel as JSON), and, once deleted,
// when, by whom (when known) and what the bot recreated it as.
type SnapshotObject struct {
	GuildID     string          `db:"guild_id"`
	Kind        string          `db:"kind"`
	ObjectID    string          `db:"object_id"`
	State       json.RawMessage `db:"state"`
	UpdatedAt   time.Time       `db:"updated_at"`
	DeletedAt   *time.Time      `db:"deleted_at"`
	DeletedBy   *string         `db:"deleted_by"`
	RecreatedID *string         `db:"recreated_id"`
}

const snapshotColumns = `guild_id, kind, object_id, state, updated_at, deleted_at, deleted_by, recreated_id`

// SaveSnapshot records the current state of a role or channel that exists.
// Gateway events are handled concurrently, so an update may arrive after
// the deletion: a deleted object (Discord never reuses an id) stays
// deleted.
func (s *Store) SaveSnapshot(ctx context.Context, o SnapshotObject) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO guild_snapshot (guild_id, kind, object_id, state, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, kind, object_id) DO UPDATE
		SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at WHERE guild_snapshot.deleted_at IS NULL`,
		o.GuildID, o.Kind, o.ObjectID, o.State, o.UpdatedAt); err != nil {
		return fmt.Errorf("snapshot %s %s of %s: %w", o.Kind, o.ObjectID, o.GuildID, err)
	}
	return nil
}

// ReplaceSnapshot records a guild's whole structure as GUILD_CREATE gives
// it at at: every object in objs is saved, and a live object of the guild
// not among them was deleted while the bot was away. Gateway events are
// handled concurrently, so what an event recorded at or after at is newer
// than GUILD_CREATE and stays as it is.
func (s *Store) ReplaceSnapshot(ctx context.Context, guildID string, objs []SnapshotObject, at time.Time) error {
	err := s.InTx(ctx, func(tx Tx) error {
		batch := &pgx.Batch{}
		keys := make([]string, 0, len(objs))
		for _, o := range objs {
			batch.Queue(`INSERT INTO guild_snapshot (guild_id, kind, object_id, state, updated_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, kind, object_id) DO UPDATE
				SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at, deleted_at = NULL, deleted_by = NULL
				WHERE guild_snapshot.updated_at < EXCLUDED.updated_at
					AND (guild_snapshot.deleted_at IS NULL OR guild_snapshot.deleted_at < EXCLUDED.updated_at)`,
				guildID, o.Kind, o.ObjectID, o.State, at)
			keys = append(keys, o.Kind+":"+o.ObjectID)
		}
		batch.Queue(`UPDATE guild_snapshot SET deleted_at = $2 WHERE guild_id = $1 AND deleted_at IS NULL AND updated_at < $2
			AND NOT (kind || ':' || object_id = ANY($3))`, guildID, at, keys)
		return tx.tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return fmt.Errorf("snapshot guild %s: %w", guildID, err)
	}
	return nil
}

// MarkSnapshotDeleted keeps a deleted role's or channel's last state with
// when it was deleted and by whom ("" when unknown). last is the state the
// deletion event carried (nil when it carries none): it is kept when it is
// all the snapshot has, as when the deletion is handled before the creation.
func (s *Store) MarkSnapshotDeleted(ctx context.Context, o SnapshotObject, by string, at time.Time) error {
	if o.State == nil {
		o.State = json.RawMessage(`{}`)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO guild_snapshot (guild_id, kind, object_id, state, updated_at, deleted_at, deleted_by)
		VALUES ($1, $2, $3, $4, $5, $5, NULLIF($6, '')) ON CONFLICT (guild_id, kind, object_id) DO UPDATE
		SET deleted_at = EXCLUDED.deleted_at, deleted_by = EXCLUDED.deleted_by,
			state = CASE WHEN guild_snapshot.state = '{}'::jsonb THEN EXCLUDED.state ELSE guild_snapshot.state END
		WHERE guild_snapshot.deleted_at IS NULL`,
		o.GuildID, o.Kind, o.ObjectID, o.State, at, by); err != nil {
		return fmt.Errorf("mark %s %s of %s deleted: %w", o.Kind, o.ObjectID, o.GuildID, err)
	}
	return nil
}

// Snapshot returns every role and channel known of a guild, live and
// deleted, the most recently deleted first and the live ones last.
func (s *Store) Snapshot(ctx context.Context, guildID string) ([]SnapshotObject, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+snapshotColumns+` FROM guild_snapshot WHERE guild_id = $1
		ORDER BY deleted_at DESC NULLS LAST, kind, object_id`, guildID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[SnapshotObject])
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", guildID, err)
	}
	return list, nil
}

// MarkRecreated records that the bot recreated a deleted object as newID,
// with the audit record of that step in the same transaction.
func (s *Store) MarkRecreated(ctx context.Context, guildID, kind, objectID, newID string, entry AuditEntry) error {
	err := s.InTx(ctx, func(tx Tx) error {
		if _, err := tx.tx.Exec(ctx, `UPDATE guild_snapshot SET recreated_id = $4, recreated_at = now()
			WHERE guild_id = $1 AND kind = $2 AND object_id = $3`, guildID, kind, objectID, newID); err != nil {
			return err
		}
		return tx.Audit(ctx, entry)
	})
	if err != nil {
		return fmt.Errorf("mark %s %s of %s recreated: %w", kind, objectID, guildID, err)
	}
	return nil
}
