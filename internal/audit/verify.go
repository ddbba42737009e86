package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/store"
)

// Anchor is one point of the audit chain kept outside PostgreSQL: a row's
// seq and row_hash, as every backup manifest and every health check log
// line records the head. Someone holding the schema owner's credentials can
// rewrite a row and recompute every later hash, so that the chain verifies
// again; the row at Seq then no longer has Hash, and Verify with the anchor
// says so.
type Anchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"` // row_hash, lowercase hex
}

// IsZero reports whether a is no anchor (an empty chain's head).
func (a Anchor) IsZero() bool { return a.Seq == 0 && a.Hash == "" }

// String returns a as SEQ:HASH, the form ParseAnchor reads.
func (a Anchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash }

// ParseAnchor reads an anchor written as SEQ:HASH (a positive sequence
// number, a colon and the row hash in hex).
func ParseAnchor(s string) (Anchor, error) {
	seqText, hashText, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Anchor{}, fmt.Errorf("audit anchor %q: want SEQ:HASH", s)
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil || seq < 1 {
		return Anchor{}, fmt.Errorf("audit anchor %q: the sequence number must be a positive integer", s)
	}
	hash, err := hex.DecodeString(hashText)
	if err != nil || len(hash) == 0 {
		return Anchor{}, fmt.Errorf("audit anchor %q: the hash must be hexadecimal", s)
	}
	return Anchor{Seq: seq, Hash: hex.EncodeToString(hash)}, nil
}

// Head returns the newest link of the chain: its last row, or the newest
// checkpoint when every row was archived, as the chain trigger sees it. An
// empty chain has the zero Anchor. q is a pool, a connection or a
// transaction (a backup reads the head in the snapshot it dumps).
func Head(ctx context.Context, q store.HeadQueryer) (Anchor, error) {
	seq, hash, err := store.AuditHead(ctx, q)
	if errors.Is(err, store.ErrNotFound) {
		return Anchor{}, nil
	}
	if err != nil {
		return Anchor{}, err
	}
	return Anchor{Seq: seq, Hash: hex.EncodeToString(hash)}, nil
}

// Break describes the first row where the audit chain does not hold.
type Break struct {
	Seq    int64
	ID     int64
	Reason string
}

// VerifyResult is the outcome of Verify.
type VerifyResult struct {
	Rows       int64
	FromSeq    int64 // first sequence number checked (after the newest checkpoint of archived rows)
	LastSeq    int64
	FirstBreak *Break
	// AnchorBreaks lists the anchors the chain no longer holds, one Break
	// each (Seq is the anchor's; ID is 0 when no row has it).
	AnchorBreaks []Break
}

// OK reports whether the whole chain verified and holds every anchor.
func (r VerifyResult) OK() bool { return r.FirstBreak == nil && len(r.AnchorBreaks) == 0 }

// Verify recomputes the audit_log hash chain, streaming the rows in order,
// and names the first broken row: a changed field, a deleted or inserted row,
// or a reordering. Rows erased on request keep their content digest and
// still verify; archived rows are summarised by a checkpoint the chain starts
// from. Each anchor must still be in the chain: the row at its seq must
// exist (else rows were removed) and have its hash (else the chain was
// rewritten after the anchor was taken). An anchor below the checkpoint
// cannot be confirmed and counts as broken: archiving must not hide a
// rewrite.
func Verify(ctx context.Context, pool *pgxpool.Pool, anchors ...Anchor) (VerifyResult, error) {
	db := store.New(pool)
	var res VerifyResult
	prevSeq, prevHash, err := db.AuditCheckpoint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	if prevHash == nil {
		prevHash = []byte{}
	}
	res.FromSeq = prevSeq + 1
	pending := map[int64][]Anchor{}
	for _, a := range anchors {
		switch {
		case a.Seq == prevSeq && prevSeq > 0:
			res.checkAnchor(a, 0, prevHash)
		case a.Seq <= prevSeq:
			res.AnchorBreaks = append(res.AnchorBreaks, Break{Seq: a.Seq,
				Reason: fmt.Sprintf("seq %d was archived (the chain starts after the checkpoint at seq %d): the anchor cannot be confirmed; use a newer one", a.Seq, prevSeq)})
		default:
			pending[a.Seq] = append(pending[a.Seq], a)
		}
	}
	err = db.EachAuditLink(ctx, prevSeq, func(l store.AuditLink) error {
		res.Rows++
		res.LastSeq = l.Seq
		for _, a := range pending[l.Seq] {
			res.checkAnchor(a, l.ID, l.RowHash)
		}
		delete(pending, l.Seq)
		if res.FirstBreak != nil {
			return nil
		}
		var reason string
		switch {
		case l.Seq != prevSeq+1:
			reason = fmt.Sprintf("sequence jumps from %d to %d: rows were deleted", prevSeq, l.Seq)
		case !bytes.Equal(l.PrevHash, prevHash):
			reason = "prev_hash does not match the previous row: a row was removed, inserted or changed"
		case !l.Erased && !bytes.Equal(l.Digest, l.RecomputedDigest):
			reason = "actor, target, reason or details were changed"
		case !bytes.Equal(l.RowHash, l.RecomputedHash):
			reason = "guild, action, time or hash were changed"
		}
		if reason != "" {
			res.FirstBreak = &Break{Seq: l.Seq, ID: l.ID, Reason: reason}
		}
		prevSeq, prevHash = l.Seq, l.RowHash
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, a := range anchors {
		if _, missing := pending[a.Seq]; !missing {
			continue
		}
		reason := fmt.Sprintf("no row has seq %d: rows were removed", a.Seq)
		if a.Seq > res.LastSeq {
			reason = fmt.Sprintf("the chain ends at seq %d, before the anchor's seq %d: rows were removed", res.LastSeq, a.Seq)
		}
		res.AnchorBreaks = append(res.AnchorBreaks, Break{Seq: a.Seq, Reason: reason})
	}
	return res, nil
}

// checkAnchor records a break when the link at a.Seq (row id, or 0 for the
// checkpoint) does not have the anchor's hash.
func (r *VerifyResult) checkAnchor(a Anchor, id int64, hash []byte) {
	if got := hex.EncodeToString(hash); !strings.EqualFold(got, a.Hash) {
		r.AnchorBreaks = append(r.AnchorBreaks, Break{Seq: a.Seq, ID: id,
			Reason: fmt.Sprintf("row_hash %s is not the anchor's %s: the chain was rewritten at or before seq %d after the anchor was taken", got, a.Hash, a.Seq)})
	}
}
