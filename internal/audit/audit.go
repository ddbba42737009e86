// Package audit records who did what: the append-only, hash-chained
// audit_log of moderator and admin actions, and security_audit_logs of
// refused attempts. Records are never dropped: actions that only change the
// database write their record in the same transaction (Insert); everything
// else goes through a batching Writer that falls back to an fsync'd local
// file while the database is unreachable and replays it, in order and
// exactly once, when it returns. A record the database refuses (a bad value
// or a constraint) is set aside alone, never taking its batch with it: kept
// beside the fallback file, counted and reported (ReadSetAside); so is a
// fallback line a crash tore.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/textcut"
)

// Entry is one audit_log record.
type Entry struct {
	EventID    string         `json:"eventId"`
	GuildID    string         `json:"guildId"`
	ActionType string         `json:"actionType"`
	ActorID    string         `json:"actorId"`
	TargetID   string         `json:"targetId,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
	CreatedAt  time.Time      `json:"createdAt"`
}

// Severity of a security event, as the table's CHECK allows.
type Severity string

// Severities.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// SecurityEvent is one security_audit_logs record: an attempt that was
// refused.
type SecurityEvent struct {
	EventID   string         `json:"eventId"`
	EventType string         `json:"eventType"`
	Severity  Severity       `json:"severity"`
	GuildID   string         `json:"guildId,omitempty"`
	ActorID   string         `json:"actorId,omitempty"`
	TargetID  string         `json:"targetId,omitempty"`
	Attempted string         `json:"attempted"`
	Details   map[string]any `json:"details,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
}

// NewID returns a random UUID (version 4) identifying an event, so that a
// replayed event is recognised and never written twice.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// fillCommon sets an event's id, time and details when missing.
func fillCommon(id *string, at *time.Time, details *map[string]any, now time.Time) {
	if *id == "" {
		*id = NewID()
	}
	if at.IsZero() {
		*at = now
	}
	if *details == nil {
		*details = map[string]any{}
	}
}

// Column bounds: audit_log.reason holds at most 1000 characters and
// security_audit_logs.attempted 500. Cutting to as many bytes keeps within
// them whatever the script, and on a character boundary, so the database
// never refuses a record for its length or for half a character.
const (
	maxReasonBytes    = 1000
	maxAttemptedBytes = 500
)

func (e *Entry) fill(now time.Time) {
	fillCommon(&e.EventID, &e.CreatedAt, &e.Details, now)
	e.Reason = textcut.Bytes(withoutNUL(e.Reason), maxReasonBytes)
	e.Details = storableDetails(e.Details)
}

func (e *SecurityEvent) fill(now time.Time) {
	fillCommon(&e.EventID, &e.CreatedAt, &e.Details, now)
	if e.Severity == "" {
		e.Severity = Medium
	}
	e.Attempted = textcut.Bytes(withoutNUL(e.Attempted), maxAttemptedBytes)
	e.Details = storableDetails(e.Details)
}

// storableDetails returns details without NUL and, when they cannot be
// encoded as JSON (a NaN, a channel), as text: either would make the
// database or the fallback file refuse the whole record.
func storableDetails(d map[string]any) map[string]any {
	d = detailsWithoutNUL(d).(map[string]any)
	if _, err := json.Marshal(d); err != nil {
		return map[string]any{"unencodable": withoutNUL(fmt.Sprintf("%#v", d)), "error": err.Error()}
	}
	return d
}

// withoutNUL replaces NUL, which PostgreSQL's text and jsonb cannot hold
// but Discord's JSON can carry, by U+FFFD: a member who types one must not
// get the record refused and set aside.
func withoutNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// detailsWithoutNUL applies withoutNUL to the keys and strings of a
// details value, in a copy (details are a handful of keys).
func detailsWithoutNUL(v any) any {
	switch x := v.(type) {
	case string:
		return withoutNUL(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[withoutNUL(k)] = detailsWithoutNUL(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = detailsWithoutNUL(e)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = withoutNUL(e)
		}
		return out
	default:
		return v
	}
}

// nullable maps "" to SQL NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Insert writes e inside tx, so that a database-only action and its record
// commit or roll back together.
func Insert(ctx context.Context, tx pgx.Tx, e Entry) error {
	e.fill(time.Now())
	details, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("audit %s: encode details: %w", e.ActionType, err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO audit_log (event_id, guild_id, action_type, actor_id, target_id, reason, details, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.EventID, e.GuildID, e.ActionType, e.ActorID, nullable(e.TargetID), nullable(e.Reason), details, e.CreatedAt); err != nil {
		return fmt.Errorf("audit %s: %w", e.ActionType, err)
	}
	return nil
}

// insertEntries writes a batch of audit entries, skipping any already
// written (same event id).
func insertEntries(ctx context.Context, tx pgx.Tx, entries []Entry) error {
	n := len(entries)
	ids, guilds, actions, actors := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	targets, reasons := make([]*string, n), make([]*string, n)
	details, times := make([]string, n), make([]time.Time, n)
	for i, e := range entries {
		d, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("audit %s: encode details: %w", e.ActionType, err)
		}
		ids[i], guilds[i], actions[i], actors[i] = e.EventID, e.GuildID, e.ActionType, e.ActorID
		targets[i], reasons[i], details[i], times[i] = nullable(e.TargetID), nullable(e.Reason), string(d), e.CreatedAt
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (event_id, guild_id, action_type, actor_id, target_id, reason, details, created_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
		ON CONFLICT (event_id) DO NOTHING`,
		ids, guilds, actions, actors, targets, reasons, details, times)
	if err != nil {
		return fmt.Errorf("write %d audit entries: %w", n, err)
	}
	return nil
}

// insertSecurityEvents writes a batch of security events, skipping any
// already written.
func insertSecurityEvents(ctx context.Context, tx pgx.Tx, events []SecurityEvent) error {
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
		guilds[i], actors[i], targets[i] = nullable(e.GuildID), nullable(e.ActorID), nullable(e.TargetID)
		attempted[i], details[i], times[i] = e.Attempted, string(d), e.CreatedAt
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO security_audit_logs (event_id, event_type, severity, guild_id, actor_id, target_id, attempted, details, created_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[])
		ON CONFLICT (event_id) DO NOTHING`,
		ids, types, sev, guilds, actors, targets, attempted, details, times)
	if err != nil {
		return fmt.Errorf("write %d security events: %w", n, err)
	}
	return nil
}

// Guild and actor of actions the bot takes on its own (scheduled backups),
// which belong to no guild and no person.
const (
	GlobalGuild = "global"
	SystemActor = "system"
)
