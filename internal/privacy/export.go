package privacy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// FormatVersion is the export's "formatVersion"; it changes only when a key
// is renamed or removed (new keys may appear at the end).
const FormatVersion = 1

// Keys lists the export's top-level keys in the order they are written.
var Keys = []string{
	"exportDate", "formatVersion", "userId", "guildId",
	"profile", "stats", "dailyRecords", "tenseys", "barbieList", "journalEntries",
	"courseProgress", "duels", "warnings", "auditLog",
	"contentFlags", "rateLimitViolations", "moderationActions", "securityEvents",
}

// ts renders a timestamptz column as RFC 3339 in UTC with microseconds, so
// that the JSON does not depend on the session's time zone.
func ts(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

// date renders a date column as RFC 3339 full-date.
func date(col string) string { return `to_char(` + col + `, 'YYYY-MM-DD')` }

// Profile is the member's profile in one guild.
type Profile struct {
	GuildID       string  `json:"guildId"`
	XP            int64   `json:"xp"`
	Level         int     `json:"level"`
	StreakDays    int     `json:"streakDays"`
	LastActiveDay *string `json:"lastActiveDay"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

// Stats is one stats submission.
type Stats struct {
	ID         int64  `json:"id"`
	GuildID    string `json:"guildId"`
	Day        string `json:"day"`
	Approaches int    `json:"approaches"`
	Contacts   int    `json:"contacts"`
	Dates      int    `json:"dates"`
	XPAwarded  int    `json:"xpAwarded"`
	CreatedAt  string `json:"createdAt"`
}

// DailyRecord is one day's note.
type DailyRecord struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Day       string `json:"day"`
	Note      string `json:"note"`
	CreatedAt string `json:"createdAt"`
}

// Tensey is one completed comfort-zone challenge.
type Tensey struct {
	ID          int64  `json:"id"`
	GuildID     string `json:"guildId"`
	Description string `json:"description"`
	CreatedAt   string `json:"createdAt"`
}

// BarbieContact is one contact on the member's list.
type BarbieContact struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Name      string `json:"name"`
	Notes     string `json:"notes"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// JournalEntry is one journal entry.
type JournalEntry struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Content   string `json:"content"`
	CreatedAt string `json:"createdAt"`
}

// CourseProgress is one completed course module.
type CourseProgress struct {
	GuildID     string `json:"guildId"`
	Module      string `json:"module"`
	CompletedAt string `json:"completedAt"`
}

// Duel is a duel the member challenged or was challenged to.
type Duel struct {
	ID           int64   `json:"id"`
	GuildID      string  `json:"guildId"`
	ChallengerID string  `json:"challengerId"`
	OpponentID   string  `json:"opponentId"`
	StakeXP      int     `json:"stakeXp"`
	Status       string  `json:"status"`
	WinnerID     *string `json:"winnerId"`
	CreatedAt    string  `json:"createdAt"`
	ResolvedAt   *string `json:"resolvedAt"`
}

// Warning is one strike given to the member.
type Warning struct {
	ID           int64   `json:"id"`
	GuildID      string  `json:"guildId"`
	CaseNumber   *int64  `json:"caseNumber"`
	ModeratorID  string  `json:"moderatorId"`
	Reason       string  `json:"reason"`
	Severity     string  `json:"severity"`
	CreatedAt    string  `json:"createdAt"`
	ExpiresAt    string  `json:"expiresAt"`
	PardonedAt   *string `json:"pardonedAt"`
	PardonedBy   *string `json:"pardonedBy"`
	PardonReason *string `json:"pardonReason"`
	DMStatus     string  `json:"dmStatus"`
}

// AuditRecord is one audit_log record naming the member as actor or target.
type AuditRecord struct {
	ID         int64           `json:"id"`
	GuildID    string          `json:"guildId"`
	ActionType string          `json:"actionType"`
	ActorID    string          `json:"actorId"`
	TargetID   *string         `json:"targetId"`
	Reason     *string         `json:"reason"`
	Details    json.RawMessage `json:"details"`
	CreatedAt  string          `json:"createdAt"`
	ErasedAt   *string         `json:"erasedAt"`
}

// ContentFlag is one piece of the member's text the moderator flagged.
type ContentFlag struct {
	ID          int64   `json:"id"`
	GuildID     string  `json:"guildId"`
	ContentType string  `json:"contentType"`
	FlagReason  string  `json:"flagReason"`
	Category    *string `json:"category"`
	Severity    string  `json:"severity"`
	Excerpt     string  `json:"excerpt"`
	Status      string  `json:"status"`
	ReviewedBy  *string `json:"reviewedBy"`
	ReviewedAt  *string `json:"reviewedAt"`
	CreatedAt   string  `json:"createdAt"`
}

// RateLimitViolation counts the member's refused calls of one command in
// one hour.
type RateLimitViolation struct {
	ID          int64  `json:"id"`
	GuildID     string `json:"guildId"`
	CommandName string `json:"commandName"`
	WindowStart string `json:"windowStart"`
	Count       int    `json:"count"`
	FirstAt     string `json:"firstAt"`
	LastAt      string `json:"lastAt"`
}

// ModerationAction is a timeout or ban (enforced or, in safe mode, only
// recorded).
type ModerationAction struct {
	ID          int64   `json:"id"`
	GuildID     string  `json:"guildId"`
	Action      string  `json:"action"`
	ModeratorID string  `json:"moderatorId"`
	Reason      string  `json:"reason"`
	Enforced    bool    `json:"enforced"`
	Status      string  `json:"status"`
	Error       *string `json:"error"`
	WarningID   *int64  `json:"warningId"`
	ExpiresAt   *string `json:"expiresAt"`
	CreatedAt   string  `json:"createdAt"`
}

// SecurityEvent is a refused attempt by (or against) the member.
type SecurityEvent struct {
	ID        int64           `json:"id"`
	GuildID   *string         `json:"guildId"`
	EventType string          `json:"eventType"`
	Severity  string          `json:"severity"`
	ActorID   *string         `json:"actorId"`
	TargetID  *string         `json:"targetId"`
	Attempted string          `json:"attempted"`
	Details   json.RawMessage `json:"details"`
	CreatedAt string          `json:"createdAt"`
}

// section is one array of the export: its key, and the query that returns
// its rows for $1 (the user), scoped by guild where %s stands.
type section struct {
	key   string
	query string
	emit  func(rows pgx.Rows, out *docWriter) error
}

// each streams rows scanned by position into T.
func each[T any](rows pgx.Rows, out *docWriter) error {
	for rows.Next() {
		v, err := pgx.RowToStructByPos[T](rows)
		if err != nil {
			return err
		}
		out.item(v)
	}
	return rows.Err()
}

// sections lists the arrays after "profile", in Keys order. The %s is
// replaced by the guild condition on the table's guild column.
var sections = []section{
	{"stats", `SELECT id, guild_id, ` + date("day") + `, approaches, contacts, dates, xp_awarded, ` + ts("created_at") + `
		FROM stats_submissions WHERE user_id = $1 %s ORDER BY guild_id, day, id`, each[Stats]},
	{"dailyRecords", `SELECT id, guild_id, ` + date("day") + `, note, ` + ts("created_at") + `
		FROM daily_records WHERE user_id = $1 %s ORDER BY guild_id, day, id`, each[DailyRecord]},
	{"tenseys", `SELECT id, guild_id, description, ` + ts("created_at") + `
		FROM tenseys WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[Tensey]},
	{"barbieList", `SELECT id, guild_id, name, notes, ` + ts("created_at") + `, ` + ts("updated_at") + `
		FROM barbie_list WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[BarbieContact]},
	{"journalEntries", `SELECT id, guild_id, content, ` + ts("created_at") + `
		FROM journal_entries WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[JournalEntry]},
	{"courseProgress", `SELECT guild_id, module, ` + ts("completed_at") + `
		FROM course_progress WHERE user_id = $1 %s ORDER BY guild_id, completed_at, module`, each[CourseProgress]},
	{"duels", `SELECT id, guild_id, challenger_id, opponent_id, stake_xp, status, winner_id, ` + ts("created_at") + `, ` + ts("resolved_at") + `
		FROM duels WHERE (challenger_id = $1 OR opponent_id = $1) %s ORDER BY guild_id, created_at, id`, each[Duel]},
	{"warnings", `SELECT id, guild_id, case_number, moderator_id, reason, severity, ` + ts("created_at") + `, ` + ts("expires_at") + `,
		` + ts("pardoned_at") + `, pardoned_by, pardon_reason, dm_status
		FROM user_warnings WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[Warning]},
	{"auditLog", `SELECT id, guild_id, action_type, actor_id, target_id, reason, details, ` + ts("created_at") + `, ` + ts("erased_at") + `
		FROM audit_log WHERE (actor_id = $1 OR target_id = $1) %s ORDER BY seq`, each[AuditRecord]},
	{"contentFlags", `SELECT id, guild_id, content_type, flag_reason, category, severity, excerpt, status, reviewed_by, ` + ts("reviewed_at") + `, ` + ts("created_at") + `
		FROM content_flags WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[ContentFlag]},
	{"rateLimitViolations", `SELECT id, guild_id, command_name, ` + ts("window_start") + `, count, ` + ts("first_at") + `, ` + ts("last_at") + `
		FROM rate_limit_violations WHERE user_id = $1 %s ORDER BY guild_id, window_start, id`, each[RateLimitViolation]},
	{"moderationActions", `SELECT id, guild_id, action, moderator_id, reason, enforced, status, error, warning_id, ` + ts("expires_at") + `, ` + ts("created_at") + `
		FROM user_moderation WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, each[ModerationAction]},
	{"securityEvents", `SELECT id, guild_id, event_type, severity, actor_id, target_id, attempted, details, ` + ts("created_at") + `
		FROM security_audit_logs WHERE (actor_id = $1 OR target_id = $1) %s ORDER BY guild_id, created_at, id`, each[SecurityEvent]},
}

var profileQuery = `SELECT guild_id, xp, level, streak_days, ` + date("last_active_day") + `, ` + ts("created_at") + `, ` + ts("updated_at") + `
	FROM member_profiles WHERE user_id = $1 %s ORDER BY guild_id`

// scoped fills a section query's guild condition.
func scoped(query string, subj Subject) (string, []any) {
	if subj.AllGuilds() {
		return fmt.Sprintf(query, ""), []any{subj.UserID}
	}
	return fmt.Sprintf(query, "AND guild_id = $2"), []any{subj.UserID, subj.GuildID}
}

// Counts is the number of rows exported per key, in Keys order.
type Counts []Count

// Count is one key's row count.
type Count struct {
	Key  string
	Rows int64
}

// Total is the number of rows exported.
func (c Counts) Total() int64 {
	var n int64
	for _, x := range c {
		n += x.Rows
	}
	return n
}

// Map returns the counts keyed by section, for audit details.
func (c Counts) Map() map[string]int64 {
	m := make(map[string]int64, len(c))
	for _, x := range c {
		m[x.Key] = x.Rows
	}
	return m
}

// WriteJSON writes the subject's export to w, row by row from one
// consistent snapshot. Keys come in Keys order; arrays hold one row per
// line. Memory use does not depend on the number of rows.
func (s *Service) WriteJSON(ctx context.Context, w io.Writer, subj Subject) (Counts, error) {
	if subj.UserID == "" {
		return nil, fmt.Errorf("export: no user id")
	}
	var counts Counts
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		counts, err = writeDoc(ctx, tx, w, subj, s.opts.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export data of %s: %w", subj.UserID, err)
	}
	return counts, nil
}

// querier is what writeDoc reads through (a transaction).
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// writeDoc writes the document for subj, reading through q.
func writeDoc(ctx context.Context, q querier, w io.Writer, subj Subject, now time.Time) (Counts, error) {
	out := &docWriter{w: bufio.NewWriterSize(w, 64<<10)}
	out.raw("{\n  \"exportDate\": ")
	out.value(now.UTC().Format(time.RFC3339))
	out.raw(",\n  \"formatVersion\": " + strconv.Itoa(FormatVersion))
	out.raw(",\n  \"userId\": ")
	out.value(subj.UserID)
	out.raw(",\n  \"guildId\": ")
	if subj.AllGuilds() {
		out.raw("null")
	} else {
		out.value(subj.GuildID)
	}
	counts := make(Counts, 0, len(sections)+1)

	// profile: the object itself for one guild (null when there is none);
	// an object keyed by guild id for every guild.
	out.raw(",\n  \"profile\": ")
	sql, args := scoped(profileQuery, subj)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	n := int64(0)
	for rows.Next() {
		p, err := pgx.RowToStructByPos[Profile](rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("profile: %w", err)
		}
		if subj.AllGuilds() {
			if n == 0 {
				out.raw("{\n    ")
			} else {
				out.raw(",\n    ")
			}
			out.value(p.GuildID)
			out.raw(": ")
		}
		out.value(p)
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	switch {
	case n == 0 && subj.AllGuilds():
		out.raw("{}")
	case n == 0:
		out.raw("null")
	case subj.AllGuilds():
		out.raw("\n  }")
	}
	counts = append(counts, Count{Key: "profile", Rows: n})

	for _, sec := range sections {
		out.raw(",\n  ")
		out.value(sec.key)
		out.raw(": [")
		out.items = 0
		sql, args := scoped(sec.query, subj)
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sec.key, err)
		}
		err = sec.emit(rows, out)
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sec.key, err)
		}
		if out.items > 0 {
			out.raw("\n  ")
		}
		out.raw("]")
		counts = append(counts, Count{Key: sec.key, Rows: out.items})
		if out.err != nil {
			return nil, out.err
		}
	}
	out.raw("\n}\n")
	if out.err == nil {
		out.err = out.w.Flush()
	}
	if out.err != nil {
		return nil, fmt.Errorf("write export: %w", out.err)
	}
	return counts, nil
}

// docWriter writes JSON pieces, keeping the first error.
type docWriter struct {
	w     *bufio.Writer
	err   error
	items int64
}

func (d *docWriter) raw(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

func (d *docWriter) value(v any) {
	if d.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		d.err = err
		return
	}
	_, d.err = d.w.Write(b)
}

// item writes one array element on its own line.
func (d *docWriter) item(v any) {
	if d.items == 0 {
		d.raw("\n    ")
	} else {
		d.raw(",\n    ")
	}
	d.value(v)
	d.items++
}
