package privacytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Identities reads an export and returns each section's row identities as
// Expected lists them, and the top-level values by key. Profiles and audit
// records are sorted (an every-guild export keys profiles by guild and
// lists audit records in chain order); the other sections keep export
// order.
func Identities(doc []byte, keys []string) (Expected, map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, nil, fmt.Errorf("export is not JSON: %w", err)
	}
	got := Expected{}
	for _, key := range keys {
		raw, ok := top[key]
		if !ok {
			return nil, nil, fmt.Errorf("key %q missing", key)
		}
		var rows []map[string]any
		switch {
		case key == "profile" && string(raw) == "null":
			continue
		case key == "profile":
			var p map[string]any
			if err := json.Unmarshal(raw, &p); err != nil {
				return nil, nil, fmt.Errorf("profile: %w", err)
			}
			if _, single := p["guildId"]; single {
				rows = []map[string]any{p}
			} else {
				for _, v := range p {
					rows = append(rows, v.(map[string]any))
				}
			}
		default:
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if err := d.Decode(&rows); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", key, err)
			}
		}
		for _, r := range rows {
			switch key {
			case "profile":
				got[key] = append(got[key], r["guildId"].(string))
			case "courseProgress":
				got[key] = append(got[key], r["module"].(string))
			default:
				got[key] = append(got[key], r["id"].(json.Number).String())
			}
		}
	}
	for _, k := range []string{"profile", "auditLog"} {
		slices.Sort(got[k])
	}
	return got, top, nil
}

// Merge returns the identities of a and b together, sorted where
// Identities sorts.
func Merge(a, b Expected) Expected {
	out := Expected{}
	for _, e := range []Expected{a, b} {
		for k, v := range e {
			out[k] = append(out[k], v...)
		}
	}
	for _, k := range []string{"profile", "auditLog"} {
		slices.Sort(out[k])
	}
	return out
}

// personal lists, per table, the query counting a member's personal
// content that erasure must leave at zero ($1 user, $2 guild, $3 marker
// pattern).
var personal = []struct{ table, query string }{
	{"member_profiles", `SELECT count(*) FROM member_profiles WHERE user_id = $1 AND guild_id = $2`},
	{"stats_submissions", `SELECT count(*) FROM stats_submissions WHERE user_id = $1 AND guild_id = $2`},
	{"daily_records", `SELECT count(*) FROM daily_records WHERE user_id = $1 AND guild_id = $2 OR note LIKE $3`},
	{"tenseys", `SELECT count(*) FROM tenseys WHERE user_id = $1 AND guild_id = $2 OR description LIKE $3`},
	{"barbie_list", `SELECT count(*) FROM barbie_list WHERE user_id = $1 AND guild_id = $2 OR notes LIKE $3`},
	{"journal_entries", `SELECT count(*) FROM journal_entries WHERE user_id = $1 AND guild_id = $2 OR content LIKE $3`},
	{"course_progress", `SELECT count(*) FROM course_progress WHERE user_id = $1 AND guild_id = $2`},
	{"duels", `SELECT count(*) FROM duels WHERE guild_id = $2 AND $1 IN (challenger_id, opponent_id, coalesce(winner_id, ''))`},
	// A flag still waiting for review keeps its excerpt until reviewed.
	{"content_flags (excerpts)", `SELECT count(*) FROM content_flags WHERE status <> 'unreviewed'
		AND ((user_id = $1 AND guild_id = $2 AND excerpt <> '') OR excerpt LIKE $3)`},
	// Reasons written about the member.
	{"user_warnings (reasons)", `SELECT count(*) FROM user_warnings WHERE user_id = $1 AND guild_id = $2
		AND (reason LIKE $3 OR pardon_reason LIKE $3)`},
	{"user_moderation (reasons)", `SELECT count(*) FROM user_moderation WHERE user_id = $1 AND guild_id = $2 AND reason LIKE $3`},
	// Records about the member and of their own data-rights requests; the
	// staff actions they took keep their id, action, target and reason.
	{"audit_log", `SELECT count(*) FROM audit_log WHERE guild_id = $2
		AND (($1 = coalesce(target_id, '') AND actor_id <> $1) OR reason LIKE $3 OR details::text LIKE $3
		     OR ($1 = actor_id AND action_type = 'gdpr_export' AND coalesce(target_id, $1) = $1))
		AND action_type <> 'gdpr_erasure'`},
}

// PersonalContent counts, table by table, the member's personal content
// left in guildID: rows of theirs in the tables erasure empties, their id in
// duels and audit records (other than the erasure's own record), and their
// words (text starting with marker) anywhere erasure blanks.
func PersonalContent(ctx context.Context, pool *pgxpool.Pool, guildID, userID, marker string) (map[string]int, error) {
	out := map[string]int{}
	for _, p := range personal {
		args := []any{userID, guildID}
		if strings.Contains(p.query, "$3") {
			args = append(args, marker+"%")
		}
		var n int
		if err := pool.QueryRow(ctx, p.query, args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", p.table, err)
		}
		out[p.table] = n
	}
	return out, nil
}

// AuditIDs lists, sorted, the ids of an export's audit records but those
// of the given action types (e.g. the exports' own gdpr_export records).
func AuditIDs(auditLog json.RawMessage, except ...string) ([]string, error) {
	var rows []struct {
		ID         json.Number `json:"id"`
		ActionType string      `json:"actionType"`
	}
	if err := json.Unmarshal(auditLog, &rows); err != nil {
		return nil, fmt.Errorf("auditLog: %w", err)
	}
	var ids []string
	for _, r := range rows {
		if !slices.Contains(except, r.ActionType) {
			ids = append(ids, r.ID.String())
		}
	}
	slices.Sort(ids)
	return ids, nil
}
