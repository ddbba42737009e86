package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/audit"
)

// AdjustXP changes a member's XP and writes the audit record in the same
// transaction: the adjustment never exists without its record.
func (s *Store) AdjustXP(ctx context.Context, guildID, userID string, delta int64, entry audit.Entry) (Profile, error) {
	var p Profile
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = addXP(ctx, tx, guildID, userID, delta); err != nil {
			return err
		}
		entry.Details["delta"] = delta
		entry.Details["newXp"] = p.XP
		return audit.Insert(ctx, tx, entry)
	})
	return p, err
}

// AuditRecord is an audit_log row as the views show it.
type AuditRecord struct {
	ID         int64          `db:"id" json:"id"`
	GuildID    string         `db:"guild_id" json:"guildId"`
	ActionType string         `db:"action_type" json:"actionType"`
	ActorID    string         `db:"actor_id" json:"actorId"`
	TargetID   *string        `db:"target_id" json:"targetId"`
	Reason     *string        `db:"reason" json:"reason"`
	Details    map[string]any `db:"details" json:"details"`
	CreatedAt  time.Time      `db:"created_at" json:"createdAt"`
}

// RecentAudit returns a guild's audit records, newest first.
func (s *Store) RecentAudit(ctx context.Context, guildID string, limit, offset int) ([]AuditRecord, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, guild_id, action_type, actor_id, target_id, reason, details, created_at
		FROM audit_log WHERE guild_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, guildID, limit, offset)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditRecord])
	if err != nil {
		return nil, fmt.Errorf("recent audit of %s: %w", guildID, err)
	}
	return list, nil
}

// SecurityEvent is a security_audit_logs row.
type SecurityEvent struct {
	ID        int64          `db:"id" json:"id"`
	EventType string         `db:"event_type" json:"eventType"`
	Severity  string         `db:"severity" json:"severity"`
	GuildID   *string        `db:"guild_id" json:"guildId"`
	ActorID   *string        `db:"actor_id" json:"actorId"`
	TargetID  *string        `db:"target_id" json:"targetId"`
	Attempted string         `db:"attempted" json:"attempted"`
	Details   map[string]any `db:"details" json:"details"`
	CreatedAt time.Time      `db:"created_at" json:"createdAt"`
}

// RecentSecurityEvents returns a guild's security events, newest first.
func (s *Store) RecentSecurityEvents(ctx context.Context, guildID string, limit int) ([]SecurityEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, event_type, severity, guild_id, actor_id, target_id, attempted, details, created_at
		FROM security_audit_logs WHERE guild_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, guildID, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[SecurityEvent])
	if err != nil {
		return nil, fmt.Errorf("recent security events of %s: %w", guildID, err)
	}
	return list, nil
}
