package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// AdjustXP changes a member's XP and writes the audit record in the same
// transaction: the adjustment never exists without its record.
func (s *Store) AdjustXP(ctx context.Context, guildID, userID string, delta int64, entry AuditEntry) (Profile, error) {
	var p Profile
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = addXP(ctx, tx, guildID, userID, delta); err != nil {
			return err
		}
		entry.Details["delta"] = delta
		entry.Details["newXp"] = p.XP
		return Tx{tx: tx}.Audit(ctx, entry)
	})
	return p, err
}
