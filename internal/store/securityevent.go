package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/textcut"
)

// SecuritySeverity is a security event's severity, as the table's CHECK
// allows.
type SecuritySeverity string

// Severities.
const (
	SecuritySeverityLow      SecuritySeverity = "low"
	SecuritySeverityMedium   SecuritySeverity = "medium"
	SecuritySeverityHigh     SecuritySeverity = "high"
	SecuritySeverityCritical SecuritySeverity = "critical"
)

// SecurityEvent is a security_audit_logs row: an attempt that was refused.
// It is also the "security" line of the audit writer's fallback file, so its
// JSON keys never change. GuildID, ActorID and TargetID are "" for NULL.
type SecurityEvent struct {
	ID        int64            `db:"id" json:"id,omitempty"` // set when read back
	EventID   string           `db:"event_id" json:"eventId"`
	EventType string           `db:"event_type" json:"eventType"`
	Severity  SecuritySeverity `db:"severity" json:"severity"`
	GuildID   string           `db:"guild_id" json:"guildId,omitempty"`
	ActorID   string           `db:"actor_id" json:"actorId,omitempty"`
	TargetID  string           `db:"target_id" json:"targetId,omitempty"`
	Attempted string           `db:"attempted" json:"attempted"`
	Details   map[string]any   `db:"details" json:"details,omitempty"`
	CreatedAt time.Time        `db:"created_at" json:"createdAt"`
}

// Fill makes e storable, like AuditEntry.Fill; a missing severity is
// medium.
func (e *SecurityEvent) Fill(now time.Time) {
	fillCommon(&e.EventID, &e.CreatedAt, &e.Details, now)
	if e.Severity == "" {
		e.Severity = SecuritySeverityMedium
	}
	e.Attempted = textcut.Bytes(withoutNUL(e.Attempted), maxAttemptedBytes)
	e.Details = storableDetails(e.Details)
}

// InsertSecurityEvents writes a batch of security events in the
// transaction, skipping any already written (same event id).
func (t Tx) InsertSecurityEvents(ctx context.Context, events []SecurityEvent) error {
	n := len(events)
	ids, types, sev := make([]string, n), make([]string, n), make([]string, n)
	guilds, actors, targets := make([]*string, n), make([]*string, n), make([]*string, n)
	attempted, details, times := make([]string, n), make([]string, n), make([]time.Time, n)
	for i, e := range events {
		d, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("security event %s: encode details: %w", e.EventType, err)
		}
		ids[i], types[i], sev[i] = e.EventID, e.EventType, string(e.Severity)
		guilds[i], actors[i], targets[i] = nullText(e.GuildID), nullText(e.ActorID), nullText(e.TargetID)
		attempted[i], details[i], times[i] = e.Attempted, string(d), e.CreatedAt
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO security_audit_logs (event_id, event_type, severity, guild_id, actor_id, target_id, attempted, details, created_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[])
		ON CONFLICT (event_id) DO NOTHING`,
		ids, types, sev, guilds, actors, targets, attempted, details, times)
	if err != nil {
		return fmt.Errorf("write %d security events: %w", n, err)
	}
	return nil
}

// RecentSecurityEvents returns a guild's security events, newest first.
func (s *Store) RecentSecurityEvents(ctx context.Context, guildID string, limit int) ([]SecurityEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, event_id::text AS event_id, event_type, severity, coalesce(guild_id, '') AS guild_id, coalesce(actor_id, '') AS actor_id,
		       coalesce(target_id, '') AS target_id, attempted, details, created_at
		FROM security_audit_logs WHERE guild_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, guildID, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[SecurityEvent])
	if err != nil {
		return nil, fmt.Errorf("recent security events of %s: %w", guildID, err)
	}
	return list, nil
}
