// Package auditlog is the pipeline's audit logger. Every moderator and admin
// action leaves an audit_log record:
//
//   - database-only actions (adjust-xp, pardon, flag review…) write it in the
//     handler's own transaction with Entry, so the action and its record
//     commit together;
//   - actions with effects outside the database (timeouts, bans, backups,
//     exports) get an "intent" record, made durable before the handler runs,
//     and an "outcome" record after it, so that a crash in between leaves a
//     visible, unfinished record.
package auditlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/store"
)

// Sink queues audit entries durably (audit.Writer).
type Sink interface {
	Audit(audit.Entry)
	Flush(ctx context.Context) error
}

// Entry returns the audit record of the interaction's action, for handlers
// of database-only actions to write with store.Tx.Audit in their transaction.
func Entry(in *middleware.Interaction, targetID, reason string) audit.Entry {
	details := map[string]any{"command": "/" + in.Command, "interactionId": in.ID}
	for k, v := range in.AuditDetails() {
		details[k] = v
	}
	return audit.Entry{
		GuildID: in.GuildID, ActionType: in.Policy.ActionType, ActorID: in.User.ID,
		TargetID: targetID, Reason: reason, Details: details,
	}
}

// defaultTarget is the user option most commands name their target by.
func defaultTarget(in *middleware.Interaction) string {
	if u, ok := in.Target("user"); ok {
		return u.ID
	}
	return ""
}

// Middleware writes intent and outcome records around external actions. It
// tags logger with its component, Audit.
func Middleware(sink Sink, logger *slog.Logger) middleware.Middleware {
	logger = logging.Component(logger, "Audit")
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, in *middleware.Interaction) error {
			if in.Policy.Effect != middleware.External {
				return next(ctx, in)
			}
			intent := Entry(in, defaultTarget(in), in.String("reason"))
			intent.EventID = audit.NewID()
			intent.Details["phase"] = "intent"
			sink.Audit(intent)
			// Durable before the effect: in the database, in the fsync'd
			// fallback file when the database is unreachable, or (a record of
			// the same batch the database refused) in the set-aside file; the
			// error says which. A flush still under way when the
			// interaction's database wait runs out (the database is not
			// answering) stops the action: its intent is not yet durable.
			fctx, cancel := store.Wait(ctx)
			ferr := sink.Flush(fctx)
			notDurable := store.WaitOver(fctx)
			cancel()
			start := time.Now()
			var err error
			if notDurable {
				err = fmt.Errorf("audit intent of %s not durable within the wait: %w", intent.ActionType, store.ErrUnavailable)
			} else {
				if ferr != nil {
					logger.Warn("Audit intent not confirmed in the database", "actionType", intent.ActionType, "error", ferr)
				}
				err = next(ctx, in)
			}
			outcome := Entry(in, defaultTarget(in), in.String("reason"))
			outcome.Details["phase"] = "outcome"
			outcome.Details["intentId"] = intent.EventID
			outcome.Details["durationMs"] = time.Since(start).Milliseconds()
			outcome.Details["ok"] = err == nil
			if err != nil {
				outcome.Details["error"] = err.Error()
			}
			sink.Audit(outcome)
			return err
		}
	}
}
