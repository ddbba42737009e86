package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A row asked for that does not exist is store.ErrNotFound, whether read
// through the Store or inside a transaction.
func TestMissingRowIsErrNotFound(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	const guild = "100000000000000001"
	inTx := func(fn func(ctx context.Context, tx store.Tx) error) func(context.Context, *store.Store) error {
		return func(ctx context.Context, s *store.Store) error {
			return s.InTx(ctx, func(tx store.Tx) error { return fn(ctx, tx) })
		}
	}
	tests := []struct {
		name string
		get  func(context.Context, *store.Store) error
	}{
		{"marking an unknown flag reviewed", inTx(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.MarkFlagReviewed(ctx, guild, 1, "dismissed", "2")
			return err
		})},
		{"review of an unknown flag", func(ctx context.Context, s *store.Store) error {
			_, err := s.ReviewFlag(ctx, guild, 1, "dismissed", "2", audit.Entry{GuildID: guild, ActionType: "flag-review", ActorID: "2"})
			return err
		}},
		{"mod-log channel", func(ctx context.Context, s *store.Store) error {
			_, err := s.ModLog(ctx, guild)
			return err
		}},
		{"rules of a guild that never changed them", func(ctx context.Context, s *store.Store) error {
			_, err := s.ModerationRules(ctx, guild)
			return err
		}},
		{"rules version", func(ctx context.Context, s *store.Store) error {
			_, err := s.ModerationVersion(ctx, guild)
			return err
		}},
		{"warning of an interaction", inTx(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WarningByInteraction(ctx, "300000000000000003")
			return err
		})},
		{"member of a case", inTx(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WarnedByCase(ctx, guild, 1)
			return err
		})},
		{"applied action of a warning", inTx(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.AppliedAction(ctx, guild, 1)
			return err
		})},
		{"ban awaiting confirmation", inTx(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ClaimBan(ctx, guild, "2", 1, "3", "awaiting")
			return err
		})},
	}
	for _, tt := range tests {
		if err := tt.get(context.Background(), db.Store); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: error %v, want store.ErrNotFound", tt.name, err)
		}
	}
}
