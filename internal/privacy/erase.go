package privacy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// Change is what an erasure did to one table.
type Change = store.ErasureChange

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
const ErasedReason = store.ErasedReason

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
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		res = Erasure{}
		var err error
		if res.Changes, res.PendingFlags, err = tx.EraseMemberContent(ctx, guildID, userID, pseudonym); err != nil {
			return err
		}
		n, err := tx.EraseMemberAudit(ctx, guildID, userID, pseudonym)
		if err != nil {
			return err
		}
		res.Changes = append(res.Changes, Change{Table: "audit_log", Action: "pseudonymised", Rows: n})
		// What still names the member as actor are the staff actions they
		// took, kept whole.
		if res.StaffRecords, err = tx.CountStaffAudit(ctx, guildID, userID); err != nil {
			return err
		}
		if record.Details == nil {
			record.Details = map[string]any{}
		}
		record.Details["erased"] = res.Map()
		record.Details["kept"] = map[string]int64{"staffRecords": res.StaffRecords, "pendingFlags": res.PendingFlags}
		return tx.Audit(ctx, record)
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
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["phase"] = "requested"
	var id int64
	err := s.db.InTx(ctx, func(tx store.Tx) (err error) {
		id, err = tx.AuditWithID(ctx, e)
		return err
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
	var err error
	r.TargetID, r.Reason, err = s.db.ErasureRequest(ctx, guildID, requesterID, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, ErrNoRequest
	}
	if err != nil {
		return r, err
	}
	return r, nil
}
