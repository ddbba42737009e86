package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErasedReason replaces a reason written about an erased member where the
// column may not be empty (user_warnings).
const ErasedReason = "(erased)"

// ErasureChange is what an erasure did to one table.
type ErasureChange struct {
	Table string
	// Action is "deleted", "pseudonymised", "blanked" or "unattributed"
	// (reports the member filed: kept, without reporter and reason).
	Action string
	Rows   int64
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
	// Warnings and moderation actions stay in the safety record, without
	// the reasons written about the member. Those the member gave as staff
	// (moderator_id) are theirs to account for and stay whole.
	{"user_warnings", "blanked", `UPDATE user_warnings SET reason = '` + ErasedReason + `',
		pardon_reason = CASE WHEN pardon_reason IS NULL THEN NULL ELSE '` + ErasedReason + `' END
		WHERE guild_id = $2 AND user_id = $1
		  AND (reason <> '` + ErasedReason + `' OR pardon_reason <> '` + ErasedReason + `')`},
	{"user_moderation", "blanked", `UPDATE user_moderation SET reason = '' WHERE guild_id = $2 AND user_id = $1 AND reason <> ''`},
	// Reviewed flags stay in the safety record, without the member's words
	// nor a reporter's reason written about them.
	{"content_flags", "blanked", `UPDATE content_flags SET excerpt = '', report_reason = NULL, erase_on_review = false
		WHERE guild_id = $2 AND user_id = $1 AND status <> 'unreviewed' AND (excerpt <> '' OR report_reason IS NOT NULL)`},
	// Reports the member filed are evidence about someone else: they stay
	// in the queue and the safety record, no longer naming the member as
	// reporter nor quoting their reason.
	{"content_flags", "unattributed", `UPDATE content_flags SET reporter_id = NULL, report_reason = NULL
		WHERE guild_id = $2 AND reporter_id = $1`},
	// Reports not submitted yet, by or about the member.
	{"report_drafts", "deleted", `DELETE FROM report_drafts WHERE guild_id = $2 AND (reporter_id = $1 OR target_user_id = $1)`},
}

// markPending marks the member's flags still waiting for review: they keep
// their excerpt (and a report its reason) for the review, and the
// content_flags_erase_on_review trigger blanks them when a moderator
// reviews them, whichever way.
const markPending = `UPDATE content_flags SET erase_on_review = true
	WHERE guild_id = $2 AND user_id = $1 AND status = 'unreviewed' AND (excerpt <> '' OR report_reason IS NOT NULL)`

// EraseMemberContent deletes userID's personal content in guildID, puts
// pseudonym in their place in duels, blanks the reasons written about them
// and the excerpts of their reviewed flags, and marks their flags waiting
// for review to be blanked when reviewed. It returns what changed per table
// and how many flags wait for review.
func (t Tx) EraseMemberContent(ctx context.Context, guildID, userID, pseudonym string) (changes []ErasureChange, pendingFlags int64, err error) {
	for _, st := range eraseSteps {
		args := []any{userID, guildID}
		if strings.Contains(st.sql, "$3") {
			args = append(args, pseudonym)
		}
		tag, err := t.tx.Exec(ctx, st.sql, args...)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", st.table, err)
		}
		changes = append(changes, ErasureChange{Table: st.table, Action: st.action, Rows: tag.RowsAffected()})
	}
	tag, err := t.tx.Exec(ctx, markPending, userID, guildID)
	if err != nil {
		return nil, 0, fmt.Errorf("content_flags waiting for review: %w", err)
	}
	return changes, tag.RowsAffected(), nil
}

// EraseMemberAudit erases the audit records about userID in guildID and
// those of their own data-rights requests (privacy_erase_audit: pseudonym,
// reason and personal details blanked, the hash chain still verifying) and
// returns how many it changed.
func (t Tx) EraseMemberAudit(ctx context.Context, guildID, userID, pseudonym string) (int64, error) {
	var n int64
	if err := t.tx.QueryRow(ctx, `SELECT privacy_erase_audit($2, $1, $3)`, userID, guildID, pseudonym).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit_log: %w", err)
	}
	return n, nil
}

// CountStaffAudit counts the audit records naming userID as actor in
// guildID: the staff actions they took.
func (t Tx) CountStaffAudit(ctx context.Context, guildID, userID string) (int64, error) {
	var n int64
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE guild_id = $2 AND actor_id = $1`,
		userID, guildID).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit_log: %w", err)
	}
	return n, nil
}

// ErasureRequest returns the target and reason of the erasure request
// (audit record id, phase "requested") that requesterID recorded in
// guildID, or ErrNotFound when there is none, it is another admin's, or it
// was carried out since (its target is then erased).
func (s *Store) ErasureRequest(ctx context.Context, guildID, requesterID string, id int64) (targetID, reason string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT target_id, coalesce(reason, '') FROM audit_log
		WHERE id = $1 AND guild_id = $2 AND actor_id = $3 AND action_type = 'gdpr_erasure'
		  AND details->>'phase' = 'requested' AND erased_at IS NULL AND target_id IS NOT NULL`,
		id, guildID, requesterID).Scan(&targetID, &reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("erasure request %d: %w", id, err)
	}
	return targetID, reason, nil
}
