package privacy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	// StaffRecords is the number of audit records of staff actions the
	// member took, kept whole (GDPR Art. 17(3)): actor, action, target and
	// reason.
	StaffRecords int64
	// PendingFlags is the number of flags on the member's posts still
	// waiting for review: they keep their excerpt until reviewed (the review
	// needs the evidence), and the review blanks it.
	PendingFlags int64
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

// ErasedReason replaces a reason written about an erased member where the
// column may not be empty (user_warnings).
const ErasedReason = "(erased)"

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
	// Reviewed flags stay in the safety record, without the member's words.
	{"content_flags", "blanked", `UPDATE content_flags SET excerpt = '', erase_on_review = false
		WHERE guild_id = $2 AND user_id = $1 AND status <> 'unreviewed' AND excerpt <> ''`},
}

// markPending marks the member's flags still waiting for review: they keep
// their excerpt for the review, and the content_flags_erase_on_review
// trigger blanks it when a moderator reviews them, whichever way.
const markPending = `UPDATE content_flags SET erase_on_review = true
	WHERE guild_id = $2 AND user_id = $1 AND status = 'unreviewed' AND excerpt <> ''`

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
// them by a pseudonym in duels, blanks the reasons written about them in
// warnings and moderation actions and the excerpts of their reviewed flags,
// and erases the audit records about them and of their own data-rights
// requests (pseudonym, reason and personal details blanked, while the hash
// chain still verifies).
//
// What a legal obligation or the defence of legal claims needs stays (GDPR
// Art. 17(3)): the warnings, moderation actions, flags, rate-limit counts
// and security events about the member, and, whole, the audit records of the
// staff actions they took (actor, action, target and reason). A flag still
// waiting for review keeps its excerpt until it is reviewed.
//
// record, the erasure's own audit entry, is written last in the same
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
		tag, err := tx.Exec(ctx, markPending, userID, guildID)
		if err != nil {
			return fmt.Errorf("content_flags waiting for review: %w", err)
		}
		res.PendingFlags = tag.RowsAffected()
		var n int64
		if err := tx.QueryRow(ctx, `SELECT privacy_erase_audit($2, $1, $3)`, userID, guildID, pseudonym).Scan(&n); err != nil {
			return fmt.Errorf("audit_log: %w", err)
		}
		res.Changes = append(res.Changes, Change{Table: "audit_log", Action: "pseudonymised", Rows: n})
		// What still names the member as actor are the staff actions they
		// took, kept whole.
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE guild_id = $2 AND actor_id = $1`,
			userID, guildID).Scan(&res.StaffRecords); err != nil {
			return fmt.Errorf("audit_log: %w", err)
		}
		if record.Details == nil {
			record.Details = map[string]any{}
		}
		record.Details["erased"] = res.Map()
		record.Details["kept"] = map[string]int64{"staffRecords": res.StaffRecords, "pendingFlags": res.PendingFlags}
		return audit.Insert(ctx, tx, record)
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("erase data of %s/%s: %w", guildID, userID, err)
	}
	s.log.Info("Personal data erased", "userId", userID, "guildId", guildID, "rows", res.Rows(),
		"staffRecords", res.StaffRecords, "pendingFlags", res.PendingFlags)
	return res, nil
}

// ErrNoRequest is returned by Request for an erasure request that does not
// exist, is another admin's, or was already carried out.
var ErrNoRequest = errors.New("no such erasure request")

// Request is an admin's request to erase a member's data, recorded before
// it is confirmed.
type Request struct {
	ID       int64
	TargetID string
	Reason   string
}

// RecordRequest writes e, an admin's erasure request (action gdpr_erasure,
// phase "requested"), to the audit log and returns its id for the
// confirmation button. The request's reason (how it arrived) is longer than
// a button's custom id can carry.
func (s *Service) RecordRequest(ctx context.Context, e audit.Entry) (int64, error) {
	e.EventID = audit.NewID()
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["phase"] = "requested"
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := audit.Insert(ctx, tx, e); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM audit_log WHERE event_id = $1`, e.EventID).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("record erasure request for %s/%s: %w", e.GuildID, e.TargetID, err)
	}
	return id, nil
}

// Request returns the erasure request id that requesterID recorded in
// guildID, unless it was carried out since (its target is then erased).
func (s *Service) Request(ctx context.Context, guildID, requesterID string, id int64) (Request, error) {
	r := Request{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT target_id, coalesce(reason, '') FROM audit_log
		WHERE id = $1 AND guild_id = $2 AND actor_id = $3 AND action_type = 'gdpr_erasure'
		  AND details->>'phase' = 'requested' AND erased_at IS NULL AND target_id IS NOT NULL`,
		id, guildID, requesterID).Scan(&r.TargetID, &r.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNoRequest
	}
	if err != nil {
		return r, fmt.Errorf("erasure request %d: %w", id, err)
	}
	return r, nil
}
