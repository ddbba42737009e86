package schema

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Check is one expectation about the migrated schema.
type Check struct {
	Kind  string // table, column, index, constraint, trigger, policy, rls, function, search_path, definer_search_path, no_temp, backup_reads, river_version, river_grants
	Table string
	Name  string // column or index name; for constraints, a word the CHECK mentions
}

// String names the check as `migrate verify` prints it.
func (c Check) String() string {
	switch c.Kind {
	case "table":
		return "table " + c.Table
	case "search_path":
		return "function " + c.Name + " pinned to the schema, pg_temp last"
	case "definer_search_path":
		return "every SECURITY DEFINER function has search_path set, pg_temp last"
	case "no_temp":
		return "no TEMPORARY privilege for " + c.Name + " and its members"
	case "backup_reads":
		return "every table and sequence readable in full by " + c.Name + " (a complete backup as it)"
	case "river_version":
		return "River's schema at version " + c.Name
	case "river_grants":
		return "River's tables and sequences granted to " + c.Name
	}
	return fmt.Sprintf("%s %s.%s", c.Kind, c.Table, c.Name)
}

func columns(table string, names ...string) []Check {
	out := []Check{{Kind: "table", Table: table}}
	for _, n := range names {
		out = append(out, Check{Kind: "column", Table: table, Name: n})
	}
	return out
}

func indexes(table string, names ...string) []Check {
	var out []Check
	for _, n := range names {
		out = append(out, Check{Kind: "index", Table: table, Name: n})
	}
	return out
}

// Expected lists what the migrations must have created, area by area.
func Expected() []Check {
	var c []Check
	// 001 baseline
	c = append(c, columns("member_profiles", "guild_id", "user_id", "xp", "level", "streak_days", "last_active_day")...)
	c = append(c, columns("stats_submissions", "guild_id", "user_id", "day", "approaches", "contacts", "dates", "xp_awarded")...)
	c = append(c, columns("daily_records", "guild_id", "user_id", "day", "note")...)
	c = append(c, columns("tenseys", "guild_id", "user_id", "description")...)
	c = append(c, columns("barbie_list", "guild_id", "user_id", "name", "notes")...)
	c = append(c, columns("journal_entries", "guild_id", "user_id", "content")...)
	c = append(c, columns("course_progress", "guild_id", "user_id", "module", "completed_at")...)
	c = append(c, columns("duels", "guild_id", "challenger_id", "opponent_id", "status", "winner_id")...)
	// 010 security audit
	c = append(c, columns("audit_log", "id", "guild_id", "action_type", "actor_id", "target_id", "reason", "details", "created_at")...)
	c = append(c, indexes("audit_log", "audit_log_guild_recent_idx", "audit_log_action_idx", "audit_log_target_idx")...)
	c = append(c, columns("user_warnings", "id", "guild_id", "user_id", "moderator_id", "reason", "severity", "created_at", "expires_at")...)
	c = append(c, indexes("user_warnings", "user_warnings_member_recent_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "user_warnings", Name: "severity"})
	c = append(c, columns("user_moderation", "id", "guild_id", "user_id", "action", "moderator_id", "reason", "enforced", "expires_at", "created_at")...)
	c = append(c, Check{Kind: "constraint", Table: "user_moderation", Name: "action"})
	c = append(c, columns("rate_limit_violations", "guild_id", "user_id", "command_name", "window_start", "count")...)
	c = append(c, indexes("rate_limit_violations", "rate_limit_violations_recent_idx")...)
	c = append(c, columns("content_flags", "guild_id", "user_id", "content_type", "flag_reason", "category", "severity", "excerpt", "status")...)
	c = append(c, indexes("content_flags", "content_flags_unreviewed_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "content_flags", Name: "status"})
	// 030 strikes
	c = append(c, columns("user_warnings", "case_number", "interaction_id", "pardoned_at", "pardoned_by", "pardon_reason", "dm_status")[1:]...)
	c = append(c, indexes("user_warnings", "user_warnings_interaction_idx", "user_warnings_case_idx", "user_warnings_active_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "user_warnings", Name: "dm_status"}, Check{Kind: "constraint", Table: "user_warnings", Name: "pardoned_by"})
	c = append(c, columns("user_moderation", "warning_id", "status", "error")[1:]...)
	c = append(c, indexes("user_moderation", "user_moderation_warning_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "user_moderation", Name: "simulated"})
	c = append(c, columns("guild_case_counters", "guild_id", "last_case")...)
	c = append(c, columns("guild_strike_settings", "guild_id", "mod_log_channel_id", "updated_by", "updated_at")...)
	// 060 privacy
	c = append(c, indexes("audit_log", "audit_log_actor_idx")...)
	c = append(c, indexes("security_audit_logs", "security_audit_logs_target_idx")...)
	c = append(c, Check{Kind: "function", Table: "audit_log", Name: "privacy_erase_audit"})
	// 061 erasure accountability
	c = append(c, columns("content_flags", "erase_on_review")[1:]...)
	c = append(c, Check{Kind: "trigger", Table: "content_flags", Name: "content_flags_erase_on_review"})
	// 020 moderation rules
	c = append(c, columns("moderation_settings", "guild_id", "version", "regex_category", "regex_severity", "updated_at")...)
	c = append(c, columns("moderation_keywords", "guild_id", "pattern", "category", "severity")...)
	c = append(c, columns("moderation_allow", "guild_id", "term")...)
	c = append(c, columns("moderation_categories", "guild_id", "category", "enabled", "action")...)
	c = append(c, columns("moderation_exempt_roles", "guild_id", "role_id")...)
	c = append(c, columns("moderation_regexes", "guild_id", "pattern")...)
	c = append(c, Check{Kind: "constraint", Table: "moderation_categories", Name: "refuse"})
	c = append(c, columns("content_flags", "matched_term")[1:]...)
	// 064 guild rule budget
	c = append(c, columns("moderation_settings", "overrun_action")[1:]...)
	c = append(c, Check{Kind: "constraint", Table: "moderation_settings", Name: "overrun_action"})
	// 070 server moderation
	c = append(c, columns("content_flags", "channel_id", "message_id", "message_deleted", "reporter_id", "report_reason")[1:]...)
	c = append(c, indexes("content_flags", "content_flags_reporter_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "moderation_categories", Name: "sextortion"})
	// 072 AutoMod sync
	c = append(c, columns("automod_settings", "guild_id", "strike_on_execution", "synced_at", "sync_report")...)
	c = append(c, columns("automod_rules", "guild_id", "rule_id", "name", "pushed", "pushed_at")...)
	c = append(c, columns("automod_executions", "guild_id", "rule_id", "key", "flag_id", "seen_at")...)
	// 081 guild snapshot
	c = append(c, columns("guild_snapshot", "guild_id", "kind", "object_id", "state", "updated_at", "deleted_at", "deleted_by",
		"recreated_id", "recreated_at")...)
	c = append(c, indexes("guild_snapshot", "guild_snapshot_deleted_idx")...)
	// 073 member reports
	c = append(c, columns("report_drafts", "nonce", "guild_id", "reporter_id", "target_user_id", "content_type",
		"channel_id", "message_id", "excerpt", "expires_at")...)
	c = append(c, indexes("report_drafts", "report_drafts_expires_idx", "report_drafts_reporter_idx", "report_drafts_target_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "report_drafts", Name: "user_report"})
	// 083 lockdown
	c = append(c, columns("channel_lockdowns", "guild_id", "channel_id", "had_overwrite", "prev_allow", "prev_deny",
		"locked_by", "reason", "locked_at", "locked_until")...)
	c = append(c, indexes("channel_lockdowns", "channel_lockdowns_until_idx")...)
	c = append(c, Check{Kind: "constraint", Table: "channel_lockdowns", Name: "had_overwrite"})
	// 082 raid detection
	c = append(c, columns("raid_settings", "guild_id", "joins", "window_seconds", "young_percent", "young_seconds", "action",
		"timeout_seconds", "level", "quiet_seconds")...)
	c = append(c, columns("raid_states", "guild_id", "started_at", "last_join_at", "action", "enforced", "previous_level", "joins")...)
	// 095 shared health alert levels
	c = append(c, columns("health_alert_levels", "alert_key", "level", "value", "measured_at", "changed_at", "claim_level", "claim_until")...)
	c = append(c, Check{Kind: "constraint", Table: "health_alert_levels", Name: "claim_until"})
	// 093 gateway identify spacing
	c = append(c, columns("gateway_identifies", "bucket", "identified_at")...)
	// 091 shared rate limit
	c = append(c, columns("rate_limit_buckets", "user_id", "command_name", "tat", "allowed")...)
	c = append(c, indexes("rate_limit_buckets", "rate_limit_buckets_tat_idx")...)
	// 080 anti-nuke
	c = append(c, columns("antinuke_limits", "guild_id", "kind", "max_count", "window_seconds", "updated_by", "updated_at")...)
	c = append(c, columns("antinuke_trusted", "guild_id", "user_id", "added_by", "added_at")...)
	c = append(c, columns("antinuke_incidents", "id", "guild_id", "actor_id", "kind", "started_at", "ended_at", "enforced", "entry_ids", "actions")...)
	c = append(c, indexes("antinuke_incidents", "antinuke_incidents_guild_idx")...)
	// 071 message moderation
	c = append(c, columns("moderation_categories", "message_action")[1:]...)
	c = append(c, Check{Kind: "constraint", Table: "moderation_categories", Name: "message_action"})
	c = append(c, columns("moderation_exempt_channels", "guild_id", "channel_id")...)
	// 050 rollout records
	c = append(c, columns("health_runs", "ran_at", "passed", "enforce_moderation", "app_env", "failures", "error")...)
	c = append(c, indexes("health_runs", "health_runs_recent_idx")...)
	c = append(c, columns("smoke_runs", "started_at", "finished_at", "passed", "total", "failed", "results")...)
	c = append(c, indexes("smoke_runs", "smoke_runs_recent_idx")...)
	// 051 sandbox guilds
	c = append(c, columns("sandbox_guilds", "guild_id", "created_at")...)
	// 011 audit chain, hardened by 062
	c = append(c, Check{Kind: "trigger", Table: "audit_log", Name: "audit_log_chain"},
		Check{Kind: "trigger", Table: "audit_log", Name: "audit_log_append_only"},
		Check{Kind: "trigger", Table: "security_audit_logs", Name: "security_audit_logs_append_only"})
	for _, fn := range []string{"audit_log_chain", "audit_append_only"} {
		c = append(c, Check{Kind: "search_path", Table: "audit_log", Name: fn})
	}
	c = append(c, Check{Kind: "definer_search_path", Table: "audit_log", Name: "security definer"})
	c = append(c, Check{Kind: "no_temp", Table: "database", Name: "embodied_app"})
	// 097 a warning keeps its mod-log post
	c = append(c, columns("user_warnings", "modlog_channel_id", "modlog_message_id")[1:]...)
	// 096 a complete backup as the application role
	c = append(c, Check{Kind: "backup_reads", Table: "audit_log", Name: "embodied_app"})
	// River's queue (rivermigrate, applied by migrate up after the files)
	c = append(c, riverChecks()...)
	return c
}

// Result is the outcome of one check.
type Result struct {
	Check Check
	OK    bool
}

// checkQueries answer "does it exist" for each kind of check.
var checkQueries = map[string]string{
	"table": `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1 AND $2 = $2)`,
	"column": `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2)`,
	"index": `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname = $2)`,
	"constraint": `SELECT EXISTS (SELECT 1 FROM pg_constraint
		WHERE conrelid = to_regclass($1) AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%' || $2 || '%')`,
	"trigger": `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2)`,
	"policy":  `SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = $1 AND policyname = $2)`,
	"rls":     `SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relrowsecurity AND $2 = $2)`,

	// A function of the current schema whose search_path is the schema
	// itself, then pg_temp: unqualified names cannot reach a caller's
	// TEMP tables.
	"search_path": `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = $2 AND $1 = $1
		AND pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		AND proconfig @> ARRAY[format('search_path=%I, pg_temp', current_schema())])`,
	// The schema has SECURITY DEFINER functions (060's erasure) and each
	// sets search_path, pg_temp last: CREATE OR REPLACE without the SET
	// clause would silently drop it.
	"definer_search_path": `SELECT coalesce(bool_and(EXISTS (SELECT 1 FROM unnest(proconfig) c
			WHERE c LIKE 'search_path=%' AND c LIKE '%pg\_temp')), false)
		FROM pg_proc WHERE prosecdef AND $1 = $1 AND $2 = $2
		AND pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
	// No member of the role (superusers and the database owner aside) may
	// create temporary tables in this database.
	"no_temp": `SELECT NOT EXISTS (SELECT 1 FROM pg_roles m, pg_database d
		WHERE d.datname = current_database() AND $1 = $1 AND pg_has_role(m.oid, $2::name, 'MEMBER')
		AND NOT m.rolsuper AND m.oid <> d.datdba AND has_database_privilege(m.oid, d.oid, 'TEMPORARY'))`,

	// pg_dump as the role reads every table and sequence of the schema,
	// every row of a table with row security: a permissive policy for the
	// role (or PUBLIC) lets SELECT see all rows and no restrictive one
	// narrows it. Else a backup would fail, or leave rows out. Table
	// anchors it to a migrated schema (an empty one passes nothing).
	"backup_reads": `SELECT to_regclass($1) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_class c
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'S')
			AND NOT CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($2::name, c.oid, 'SELECT')
				ELSE has_table_privilege($2::name, c.oid, 'SELECT') END)
		AND NOT EXISTS (SELECT 1 FROM pg_class c
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relrowsecurity
			AND (NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = current_schema() AND p.tablename = c.relname
					AND p.permissive = 'PERMISSIVE' AND p.cmd IN ('SELECT', 'ALL') AND p.qual = 'true'
					AND p.roles && ARRAY[$2::name, 'public'::name])
				OR EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = current_schema() AND p.tablename = c.relname
					AND p.permissive = 'RESTRICTIVE' AND p.cmd IN ('SELECT', 'ALL') AND p.qual <> 'true'
					AND p.roles && ARRAY[$2::name, 'public'::name])))`,

	"river_grants": riverGrantsQuery,

	// A SECURITY DEFINER function the application role may execute.
	"function": `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = $2 AND prosecdef AND $1 = $1
		AND has_function_privilege('embodied_app', oid, 'EXECUTE'))`,
}

// Verify runs every expected check and returns one result per check.
func Verify(ctx context.Context, pool *pgxpool.Pool) ([]Result, error) {
	var out []Result
	for _, c := range Expected() {
		q, ok := checkQueries[c.Kind]
		if !ok && c.Kind != "river_version" {
			return nil, fmt.Errorf("verify %s: unknown check kind", c)
		}
		var exists bool
		var err error
		if c.Kind == "river_version" {
			exists, err = riverAt(ctx, pool, c.Name)
		} else {
			err = pool.QueryRow(ctx, q, c.Table, c.Name).Scan(&exists)
		}
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", c, err)
		}
		out = append(out, Result{Check: c, OK: exists})
	}
	return out, nil
}
