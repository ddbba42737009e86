package privacy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/audit"
)

// Change is what an erasure did to one table.
type Change struct {
	Table string
	// Action is "deleted", "pseudonymised" or "blanked".
	Action string
	Rows   int64
}

// Erasure is the outcome of Erase.
type Erasure struct {
	Changes []Change
}

// Rows is the number of rows deleted or changed.
func (e Erasure) Rows() int64 {
	var n int64
	for _, c := range e.Changes {
		n += c.Rows
	}
	return n
}

// Map returns "table action" → rows, for audit details.
func (e Erasure) Map() map[string]int64 {
	m := make(map[string]int64, len(e.Changes))
	for _, c := range e.Changes {
		m[c.Table+" "+c.Action] = c.Rows
	}
	return m
}

// erasure steps, in order. $1 is the user, $2 the guild, $3 the pseudonym.
var eraseSteps = []struct {
	table, action, sql string
}{
	{"member_profiles", "deleted", `DELETE FROM member_profiles WHERE guild_id = $2 AND user_id = $1`},
	{"stats_submissions", "deleted", `DELETE FROM stats_submissions WHERE guild_id = $2 AND user_id = $1`},
	{"daily_records", "deleted", `DELETE FROM daily_records WHERE guild_id = $2 AND user_id = $1`},
	{"tenseys", "deleted", `DELETE FROM tenseys WHERE guild_id = $2 AND user_id = $1`},
	{"barbie_list", "deleted", `DELETE FROM barbie_list WHERE guild_id = $2 AND user_id = $1`},
	{"journal_entries", "deleted", `DELETE FROM journal_entries WHERE guild_id = $2 AND user_id = $1`},
	{"course_progress", "deleted", `DELETE FROM course_progress WHERE guild_id = $2 AND user_id = $1`},
	// The other member keeps their duel; the erased member becomes a
	// pseudonym in it.
	{"duels", "pseudonymised", `UPDATE duels SET
		challenger_id = CASE WHEN challenger_id = $1 THEN $3 ELSE challenger_id END,
		opponent_id   = CASE WHEN opponent_id = $1 THEN $3 ELSE opponent_id END,
		winner_id     = CASE WHEN winner_id = $1 THEN $3 ELSE winner_id END
		WHERE guild_id = $2 AND (challenger_id = $1 OR opponent_id = $1 OR winner_id = $1)`},
	// Flags stay in the safety record, without the member's words.
	{"content_flags", "blanked", `UPDATE content_flags SET excerpt = '' WHERE guild_id = $2 AND user_id = $1 AND excerpt <> ''`},
}

// Pseudonym returns a fresh random pseudonym, "erased-" and 16 hex digits.
// It is not derived from the user id, so it cannot be reversed; within one
// erasure it is the same everywhere, so records stay linked to each other.
func Pseudonym() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "erased-" + hex.EncodeToString(b[:])
}

// Erase deletes userID's personal content in guildID (profile, stats,
// daily records, tenseys, contact list, journal, course progress), replaces
// them by a pseudonym in duels and in the audit log (whose reason and
// personal details are blanked while the hash chain still verifies), and
// blanks their flagged excerpts. Warnings, moderation actions, content
// flags, rate-limit counts and security events are the safety record and
// stay. record, the erasure's own audit entry, is written last in the same
// transaction with the erased counts in its details, so the erasure and its
// record commit together.
func (s *Service) Erase(ctx context.Context, guildID, userID string, record audit.Entry) (Erasure, error) {
	if guildID == "" || userID == "" {
		return Erasure{}, fmt.Errorf("erase: guild and user are required")
	}
	pseudonym := Pseudonym()
	var res Erasure
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		res = Erasure{}
		for _, st := range eraseSteps {
			args := []any{userID, guildID}
			if strings.Contains(st.sql, "$3") {
				args = append(args, pseudonym)
			}
			tag, err := tx.Exec(ctx, st.sql, args...)
			if err != nil {
				return fmt.Errorf("%s: %w", st.table, err)
			}
			res.Changes = append(res.Changes, Change{Table: st.table, Action: st.action, Rows: tag.RowsAffected()})
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT privacy_erase_audit($2, $1, $3)`, userID, guildID, pseudonym).Scan(&n); err != nil {
			return fmt.Errorf("audit_log: %w", err)
		}
		res.Changes = append(res.Changes, Change{Table: "audit_log", Action: "pseudonymised", Rows: n})
		if record.Details == nil {
			record.Details = map[string]any{}
		}
		record.Details["erased"] = res.Map()
		return audit.Insert(ctx, tx, record)
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("erase data of %s/%s: %w", guildID, userID, err)
	}
	s.log.Info("Personal data erased", "userId", userID, "guildId", guildID, "rows", res.Rows())
	return res, nil
}
