package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The export of a member's data (GDPR articles 15 and 20): what each table
// holds about the member, read in one snapshot. The Export* types are the
// export document's view of their tables, not the tables' row types: their
// timestamps are rendered by PostgreSQL (RFC 3339, UTC, microseconds) and
// their details are the jsonb text as stored, so that the document does not
// depend on the session's time zone and stays byte for byte what format
// version 1 has always written.

// exportTS renders a timestamptz column as RFC 3339 in UTC with microseconds, so
// that the JSON does not depend on the session's time zone.
func exportTS(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

// exportDate renders a date column as RFC 3339 full-date.
func exportDate(col string) string { return `to_char(` + col + `, 'YYYY-MM-DD')` }

// ExportProfile is the member's profile in one guild.
type ExportProfile struct {
	GuildID       string  `json:"guildId"`
	XP            int64   `json:"xp"`
	Level         int     `json:"level"`
	StreakDays    int     `json:"streakDays"`
	LastActiveDay *string `json:"lastActiveDay"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

// ExportStats is one stats submission.
type ExportStats struct {
	ID         int64  `json:"id"`
	GuildID    string `json:"guildId"`
	Day        string `json:"day"`
	Approaches int    `json:"approaches"`
	Contacts   int    `json:"contacts"`
	Dates      int    `json:"dates"`
	XPAwarded  int    `json:"xpAwarded"`
	CreatedAt  string `json:"createdAt"`
}

// ExportDailyRecord is one day's note.
type ExportDailyRecord struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Day       string `json:"day"`
	Note      string `json:"note"`
	CreatedAt string `json:"createdAt"`
}

// ExportTensey is one completed comfort-zone challenge.
type ExportTensey struct {
	ID          int64  `json:"id"`
	GuildID     string `json:"guildId"`
	Description string `json:"description"`
	CreatedAt   string `json:"createdAt"`
}

// ExportBarbieContact is one contact on the member's list.
type ExportBarbieContact struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Name      string `json:"name"`
	Notes     string `json:"notes"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// ExportJournalEntry is one journal entry.
type ExportJournalEntry struct {
	ID        int64  `json:"id"`
	GuildID   string `json:"guildId"`
	Content   string `json:"content"`
	CreatedAt string `json:"createdAt"`
}

// ExportCourseProgress is one completed course module.
type ExportCourseProgress struct {
	GuildID     string `json:"guildId"`
	Module      string `json:"module"`
	CompletedAt string `json:"completedAt"`
}

// ExportDuel is a duel the member challenged or was challenged to.
type ExportDuel struct {
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

// ExportWarning is one strike given to the member.
type ExportWarning struct {
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

// ExportAuditRecord is one audit_log record naming the member as actor or target.
type ExportAuditRecord struct {
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

// ExportContentFlag is one piece of the member's text the moderator flagged.
type ExportContentFlag struct {
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

// ExportRateLimitViolation counts the member's refused calls of one command in
// one hour.
type ExportRateLimitViolation struct {
	ID          int64  `json:"id"`
	GuildID     string `json:"guildId"`
	CommandName string `json:"commandName"`
	WindowStart string `json:"windowStart"`
	Count       int    `json:"count"`
	FirstAt     string `json:"firstAt"`
	LastAt      string `json:"lastAt"`
}

// ExportModerationAction is a timeout or ban (enforced or, in safe mode, only
// recorded).
type ExportModerationAction struct {
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

// ExportSecurityEvent is a refused attempt by (or against) the member.
type ExportSecurityEvent struct {
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

// ExportReportFiled is a report the member filed about someone else: their
// own words (the reason), never the reported member nor the message.
type ExportReportFiled struct {
	ID          int64   `json:"id"`
	GuildID     string  `json:"guildId"`
	ContentType string  `json:"contentType"`
	Reason      *string `json:"reason"`
	CreatedAt   string  `json:"createdAt"`
}

// section is one array of the export: its key, and the query that returns
// its rows for $1 (the user), scoped by guild where %s stands.
type section struct {
	key   string
	query string
	emit  func(rows pgx.Rows, fn func(any)) error
}

// eachRow streams rows scanned by position into T.
func eachRow[T any](rows pgx.Rows, fn func(T)) error {
	for rows.Next() {
		v, err := pgx.RowToStructByPos[T](rows)
		if err != nil {
			return err
		}
		fn(v)
	}
	return rows.Err()
}

// exportEach is eachRow for a section, whose rows reach fn as any.
func exportEach[T any](rows pgx.Rows, fn func(any)) error {
	return eachRow(rows, func(v T) { fn(v) })
}

// sections lists the arrays after "profile", in Keys order. The %s is
// replaced by the guild condition on the table's guild column.
var sections = []section{
	{"stats", `SELECT id, guild_id, ` + exportDate("day") + `, approaches, contacts, dates, xp_awarded, ` + exportTS("created_at") + `
		FROM stats_submissions WHERE user_id = $1 %s ORDER BY guild_id, day, id`, exportEach[ExportStats]},
	{"dailyRecords", `SELECT id, guild_id, ` + exportDate("day") + `, note, ` + exportTS("created_at") + `
		FROM daily_records WHERE user_id = $1 %s ORDER BY guild_id, day, id`, exportEach[ExportDailyRecord]},
	{"tenseys", `SELECT id, guild_id, description, ` + exportTS("created_at") + `
		FROM tenseys WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportTensey]},
	{"barbieList", `SELECT id, guild_id, name, notes, ` + exportTS("created_at") + `, ` + exportTS("updated_at") + `
		FROM barbie_list WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportBarbieContact]},
	{"journalEntries", `SELECT id, guild_id, content, ` + exportTS("created_at") + `
		FROM journal_entries WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportJournalEntry]},
	{"courseProgress", `SELECT guild_id, module, ` + exportTS("completed_at") + `
		FROM course_progress WHERE user_id = $1 %s ORDER BY guild_id, completed_at, module`, exportEach[ExportCourseProgress]},
	{"duels", `SELECT id, guild_id, challenger_id, opponent_id, stake_xp, status, winner_id, ` + exportTS("created_at") + `, ` + exportTS("resolved_at") + `
		FROM duels WHERE (challenger_id = $1 OR opponent_id = $1) %s ORDER BY guild_id, created_at, id`, exportEach[ExportDuel]},
	{"warnings", `SELECT id, guild_id, case_number, moderator_id, reason, severity, ` + exportTS("created_at") + `, ` + exportTS("expires_at") + `,
		` + exportTS("pardoned_at") + `, pardoned_by, pardon_reason, dm_status
		FROM user_warnings WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportWarning]},
	{"auditLog", `SELECT id, guild_id, action_type, actor_id, target_id, reason, details, ` + exportTS("created_at") + `, ` + exportTS("erased_at") + `
		FROM audit_log WHERE (actor_id = $1 OR target_id = $1) %s ORDER BY seq`, exportEach[ExportAuditRecord]},
	{"contentFlags", `SELECT id, guild_id, content_type, flag_reason, category, severity, excerpt, status, reviewed_by, ` + exportTS("reviewed_at") + `, ` + exportTS("created_at") + `
		FROM content_flags WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportContentFlag]},
	{"rateLimitViolations", `SELECT id, guild_id, command_name, ` + exportTS("window_start") + `, count, ` + exportTS("first_at") + `, ` + exportTS("last_at") + `
		FROM rate_limit_violations WHERE user_id = $1 %s ORDER BY guild_id, window_start, id`, exportEach[ExportRateLimitViolation]},
	{"moderationActions", `SELECT id, guild_id, action, moderator_id, reason, enforced, status, error, warning_id, ` + exportTS("expires_at") + `, ` + exportTS("created_at") + `
		FROM user_moderation WHERE user_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportModerationAction]},
	{"securityEvents", `SELECT id, guild_id, event_type, severity, actor_id, target_id, attempted, details, ` + exportTS("created_at") + `
		FROM security_audit_logs WHERE (actor_id = $1 OR target_id = $1) %s ORDER BY guild_id, created_at, id`, exportEach[ExportSecurityEvent]},
	// A report about the member is in their contentFlags, which never say
	// who reported; the reporter finds the reports they filed here.
	{"reportsFiled", `SELECT id, guild_id, content_type, report_reason, ` + exportTS("created_at") + `
		FROM content_flags WHERE reporter_id = $1 %s ORDER BY guild_id, created_at, id`, exportEach[ExportReportFiled]},
}

var profileQuery = `SELECT guild_id, xp, level, streak_days, ` + exportDate("last_active_day") + `, ` + exportTS("created_at") + `, ` + exportTS("updated_at") + `
	FROM member_profiles WHERE user_id = $1 %s ORDER BY guild_id`

// exportScoped fills a section query's guild condition.
func exportScoped(query, userID, guildID string) (string, []any) {
	if guildID == "" {
		return fmt.Sprintf(query, ""), []any{userID}
	}
	return fmt.Sprintf(query, "AND guild_id = $2"), []any{userID, guildID}
}

// ExportSectionKeys lists the export's arrays after "profile", in the
// document's order.
var ExportSectionKeys = func() []string {
	keys := make([]string, len(sections))
	for i, sec := range sections {
		keys[i] = sec.key
	}
	return keys
}()

// ExportQuery returns the query and arguments of one export key ("profile"
// or one of ExportSectionKeys) for userID in guildID, or in every guild
// when guildID is "". The in-memory baseline of the export benchmark runs
// them as they are.
func ExportQuery(key, userID, guildID string) (string, []any) {
	if key == "profile" {
		return exportScoped(profileQuery, userID, guildID)
	}
	for _, sec := range sections {
		if sec.key == key {
			return exportScoped(sec.query, userID, guildID)
		}
	}
	return "", nil
}

// ExportReader reads a member's data for an export, in one snapshot.
type ExportReader struct{ tx pgx.Tx }

// InExportSnapshot runs fn in a read-only repeatable-read transaction, so
// that every part of an export sees the same data.
func (s *Store) InExportSnapshot(ctx context.Context, fn func(ExportReader) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return fn(ExportReader{tx: tx})
	})
}

// Profiles calls fn with each of userID's profiles (one per guild, ordered
// by guild) in guildID, or in every guild when guildID is "".
func (r ExportReader) Profiles(ctx context.Context, userID, guildID string, fn func(ExportProfile)) error {
	sql, args := exportScoped(profileQuery, userID, guildID)
	rows, err := r.tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, fn)
}

// Section calls fn with each row of the export array key (one of
// ExportSectionKeys) for userID in guildID, or in every guild when guildID
// is "", in the document's order; the value is the key's Export* type.
func (r ExportReader) Section(ctx context.Context, key, userID, guildID string, fn func(any)) error {
	for _, sec := range sections {
		if sec.key != key {
			continue
		}
		sql, args := exportScoped(sec.query, userID, guildID)
		rows, err := r.tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return sec.emit(rows, fn)
	}
	return fmt.Errorf("no export section %q", key)
}
