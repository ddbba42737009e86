package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/textcut"
)

// AuditEntry is an audit_log row: what a moderator, an admin or the bot
// did. It is also the "audit" line of the audit writer's fallback file, so
// its JSON keys never change. TargetID and Reason are "" for NULL.
type AuditEntry struct {
	ID         int64          `db:"id" json:"id,omitempty"` // set when read back
	EventID    string         `db:"event_id" json:"eventId"`
	GuildID    string         `db:"guild_id" json:"guildId"`
	ActionType string         `db:"action_type" json:"actionType"`
	ActorID    string         `db:"actor_id" json:"actorId"`
	TargetID   string         `db:"target_id" json:"targetId,omitempty"`
	Reason     string         `db:"reason" json:"reason,omitempty"`
	Details    map[string]any `db:"details" json:"details,omitempty"`
	CreatedAt  time.Time      `db:"created_at" json:"createdAt"`
}

// NewEventID returns a random UUID (version 4) identifying an event, so that
// a replayed event is recognised and never written twice.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// fillCommon sets an event's id, time and details when missing.
func fillCommon(id *string, at *time.Time, details *map[string]any, now time.Time) {
	if *id == "" {
		*id = NewEventID()
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

// Fill makes e storable: it sets a missing event id, time (now) and
// details, and bounds and cleans the reason and details (see
// storableDetails) so that the database never refuses the record for them.
func (e *AuditEntry) Fill(now time.Time) {
	fillCommon(&e.EventID, &e.CreatedAt, &e.Details, now)
	e.Reason = textcut.Bytes(withoutNUL(e.Reason), maxReasonBytes)
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

// nullText maps "" to SQL NULL.
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Audit writes e to audit_log in the transaction, so an action and its record
// commit together or not at all.
func (t Tx) Audit(ctx context.Context, e AuditEntry) error {
	_, err := t.AuditWithID(ctx, e)
	return err
}

// AuditWithID writes e like Audit and returns the new row's id (an erasure
// request's confirmation button carries it).
func (t Tx) AuditWithID(ctx context.Context, e AuditEntry) (int64, error) {
	e.Fill(time.Now())
	details, err := json.Marshal(e.Details)
	if err != nil {
		return 0, fmt.Errorf("audit %s: encode details: %w", e.ActionType, err)
	}
	var id int64
	if err := t.tx.QueryRow(ctx, `
		INSERT INTO audit_log (event_id, guild_id, action_type, actor_id, target_id, reason, details, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING id`,
		e.EventID, e.GuildID, e.ActionType, e.ActorID, nullText(e.TargetID), nullText(e.Reason), details, e.CreatedAt).Scan(&id); err != nil {
		return 0, fmt.Errorf("audit %s: %w", e.ActionType, err)
	}
	return id, nil
}

// InsertAuditEntries writes a batch of audit entries in the transaction,
// skipping any already written (same event id): the audit writer's batch
// and its replay of the fallback file.
func (t Tx) InsertAuditEntries(ctx context.Context, entries []AuditEntry) error {
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
		targets[i], reasons[i], details[i], times[i] = nullText(e.TargetID), nullText(e.Reason), string(d), e.CreatedAt
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO audit_log (event_id, guild_id, action_type, actor_id, target_id, reason, details, created_at)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
		ON CONFLICT (event_id) DO NOTHING`,
		ids, guilds, actions, actors, targets, reasons, details, times)
	if err != nil {
		return fmt.Errorf("write %d audit entries: %w", n, err)
	}
	return nil
}

// RecentAudit returns a guild's audit records, newest first.
func (s *Store) RecentAudit(ctx context.Context, guildID string, limit, offset int) ([]AuditEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, event_id::text AS event_id, guild_id, action_type, actor_id, coalesce(target_id, '') AS target_id,
		       coalesce(reason, '') AS reason, details, created_at
		FROM audit_log WHERE guild_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, guildID, limit, offset)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("recent audit of %s: %w", guildID, err)
	}
	return list, nil
}

// HeadQueryer runs one query: a pool, a connection or a transaction (a backup
// reads the audit chain's head in the snapshot it dumps).
type HeadQueryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// AuditHead returns the seq and row_hash of the audit chain's newest link:
// its last row, or the newest checkpoint when every row was archived, as
// the chain trigger sees it. An empty chain is ErrNotFound.
func AuditHead(ctx context.Context, q HeadQueryer) (seq int64, hash []byte, err error) {
	err = q.QueryRow(ctx, `
		SELECT seq, row_hash FROM (
			(SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1)
			UNION ALL
			(SELECT seq, row_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1)
		) head ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read audit chain head: %w", err)
	}
	return seq, hash, nil
}

// AuditCheckpoint returns the newest checkpoint of archived audit rows, or
// ErrNotFound when nothing was archived.
func (s *Store) AuditCheckpoint(ctx context.Context) (seq int64, hash []byte, err error) {
	err = s.pool.QueryRow(ctx, `SELECT seq, row_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	return seq, hash, nil
}

// AuditLink is one audit_log row as the chain verifier sees it: what is
// stored, and what the database recomputes from the row's fields.
type AuditLink struct {
	ID, Seq          int64
	PrevHash         []byte
	RowHash          []byte
	Digest           []byte
	Erased           bool
	RecomputedDigest []byte
	RecomputedHash   []byte
}

// EachAuditLink streams the audit_log rows after seq, in seq order, to fn,
// stopping at fn's first error.
func (s *Store) EachAuditLink(ctx context.Context, afterSeq int64, fn func(AuditLink) error) error {
	rows, err := s.pool.Query(ctx, `
		SELECT id, seq, prev_hash, row_hash, content_digest, erased_at IS NOT NULL,
		       audit_content_digest(salt, actor_id, target_id, reason, details),
		       audit_row_hash(prev_hash, seq, guild_id, action_type, created_at, content_digest)
		FROM audit_log WHERE seq > $1 ORDER BY seq`, afterSeq)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l AuditLink
		if err := rows.Scan(&l.ID, &l.Seq, &l.PrevHash, &l.RowHash, &l.Digest, &l.Erased, &l.RecomputedDigest, &l.RecomputedHash); err != nil {
			return fmt.Errorf("read audit row: %w", err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	return nil
}
