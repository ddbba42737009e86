package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

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
}

// OK reports whether the whole chain verified.
func (r VerifyResult) OK() bool { return r.FirstBreak == nil }

// Verify recomputes the audit_log hash chain, streaming the rows in order,
// and names the first broken row: a changed field, a deleted or inserted row,
// or a reordering. Rows erased on request keep their content digest and
// still verify; archived rows are summarised by a checkpoint the chain starts
// from.
func Verify(ctx context.Context, pool *pgxpool.Pool) (VerifyResult, error) {
	var res VerifyResult
	var prevHash []byte
	var prevSeq int64
	err := pool.QueryRow(ctx, `SELECT seq, row_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("read audit checkpoint: %w", err)
	}
	if prevHash == nil {
		prevHash = []byte{}
	}
	res.FromSeq = prevSeq + 1
	rows, err := pool.Query(ctx, `
		SELECT id, seq, prev_hash, row_hash, content_digest, erased_at IS NOT NULL,
		       audit_content_digest(salt, actor_id, target_id, reason, details),
		       audit_row_hash(prev_hash, seq, guild_id, action_type, created_at, content_digest)
		FROM audit_log WHERE seq > $1 ORDER BY seq`, prevSeq)
	if err != nil {
		return res, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, seq                                   int64
			stored, rowHash, digest, recomputedDigest []byte
			recomputedHash                            []byte
			erased                                    bool
		)
		if err := rows.Scan(&id, &seq, &stored, &rowHash, &digest, &erased, &recomputedDigest, &recomputedHash); err != nil {
			return res, fmt.Errorf("read audit row: %w", err)
		}
		res.Rows++
		res.LastSeq = seq
		if res.FirstBreak != nil {
			continue
		}
		var reason string
		switch {
		case seq != prevSeq+1:
			reason = fmt.Sprintf("sequence jumps from %d to %d: rows were deleted", prevSeq, seq)
		case !bytes.Equal(stored, prevHash):
			reason = "prev_hash does not match the previous row: a row was removed, inserted or changed"
		case !erased && !bytes.Equal(digest, recomputedDigest):
			reason = "actor, target, reason or details were changed"
		case !bytes.Equal(rowHash, recomputedHash):
			reason = "guild, action, time or hash were changed"
		}
		if reason != "" {
			res.FirstBreak = &Break{Seq: seq, ID: id, Reason: reason}
		}
		prevSeq, prevHash = seq, rowHash
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("read audit log: %w", err)
	}
	return res, nil
}
