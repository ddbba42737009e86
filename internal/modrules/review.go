package modrules

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// Dismissed is a flag dismissed as a false positive, and the term that is
// now allowed.
type Dismissed struct {
	FlagID int64
	UserID string
	Term   string
	// AlreadyAllowed is set when the term was on the allow list already
	// (the flag predates the entry).
	AlreadyAllowed bool
}

// DismissAndAllow dismisses a guild's unreviewed flag as a false positive
// and adds the term it matched to the guild's allow list, with one audit
// record, in one transaction. A flag of another guild or one already
// reviewed is store.ErrNotFound; a flag without a term that can be allowed
// (personal information, spam, a term the allow list cannot hold) is an
// *InputError and changes nothing.
func (s *Service) DismissAndAllow(ctx context.Context, guildID string, flagID int64, reviewer string, entry audit.Entry) (Dismissed, error) {
	d := Dismissed{FlagID: flagID}
	var version int64
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		f, err := tx.MarkFlagReviewed(ctx, guildID, flagID, "dismissed", reviewer)
		if err != nil {
			return err
		}
		d.UserID = f.UserID
		term, contentType := f.MatchedTerm, f.ContentType
		if term == nil || *term == "" {
			return inputf("Flag #%d has no term that can be allowed (personal information and spam are not word matches).", flagID)
		}
		d.Term = normalizePattern(*term)
		entry.TargetID = d.UserID
		if entry.Details == nil {
			entry.Details = map[string]any{}
		}
		entry.Details["flagId"] = flagID
		entry.Details["status"] = "dismissed"
		entry.Details["contentType"] = contentType
		c := AddAllow(d.Term)
		apply := c.apply
		c.apply = func(r *Rules) error {
			err := apply(r)
			var ie *InputError
			if errors.As(err, &ie) && slices.Contains(r.Allow, d.Term) {
				d.AlreadyAllowed = true
				return nil
			}
			return err
		}
		write := c.write
		c.write = func(ctx context.Context, tx store.Tx, guildID string) error {
			if d.AlreadyAllowed {
				return nil
			}
			return write(ctx, tx, guildID)
		}
		r, err := ApplyTx(ctx, tx, guildID, c, entry)
		version = r.Version
		return err
	})
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) || errors.Is(err, store.ErrNotFound) {
			return d, err
		}
		return d, fmt.Errorf("dismiss flag %d of %s and allow its term: %w", flagID, guildID, err)
	}
	s.Invalidate(guildID, version)
	return d, nil
}
