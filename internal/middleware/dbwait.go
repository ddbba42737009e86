package middleware

import (
	"context"
	"time"

	"github.com/embodied-community/embodied/internal/store"
)

// DatabaseWait is how long one database call made while answering an
// interaction may wait before the member is told the database is
// unreachable: well inside Discord's 3 seconds, so that the answer is the
// initial response, and far above a healthy query.
const DatabaseWait = 1500 * time.Millisecond

// DeferredDatabaseWait replaces DatabaseWait once a command has deferred
// (Spec.Defer): Discord keeps a deferred interaction's token for 15
// minutes, so its database calls (an export's reads of a member's whole
// history, a status's counts) may wait longer on a slow database, and still
// give up well before that on one that does not answer.
const DeferredDatabaseWait = 30 * time.Second

// MsgDatabaseUnavailable answers an interaction that needed the database
// while it could not be reached or did not answer within DatabaseWait.
const MsgDatabaseUnavailable = "⚠️ The bot cannot reach its database right now. Try again in a minute."

// WaitForDatabase bounds every database call the rest of the pipeline makes
// for the interaction to d (store.WithWait); a call past it fails with
// store.ErrUnavailable, which Recover answers with MsgDatabaseUnavailable.
func WaitForDatabase(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, in *Interaction) error {
			return next(store.WithWait(ctx, d), in)
		}
	}
}
