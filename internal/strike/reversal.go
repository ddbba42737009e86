package strike

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// PardonRequest is one /security pardon.
type PardonRequest struct {
	GuildID     string
	Case        int64
	ModeratorID string
	Reason      string
	// Audit is the pardon record; Pardon writes it with the pardon.
	Audit audit.Entry
}

// PardonResult is what a pardon did.
type PardonResult struct {
	Warning Warning
	// Total is the member's active strikes after the pardon.
	Total int
	// Action is what the pardoned strike had triggered (timeout or ban):
	// a pardon does not lift it.
	Action Action
}

// Pardon removes one strike from the count. It stays in the history,
// marked pardoned; a timeout or ban it caused is lifted separately.
func (s *Service) Pardon(ctx context.Context, req PardonRequest) (PardonResult, error) {
	now := s.now()
	var res PardonResult
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		userID, err := tx.WarnedByCase(ctx, req.GuildID, req.Case)
		if errors.Is(err, store.ErrNotFound) {
			return &RefusalError{Reason: RefusedNoCase, Case: req.Case}
		}
		if err != nil {
			return err
		}
		if err := tx.Lock(ctx, "strike", req.GuildID, userID); err != nil {
			return err
		}
		w, err := tx.WarningByCase(ctx, req.GuildID, req.Case)
		if err != nil {
			return err
		}
		if w.PardonedAt != nil {
			return &RefusalError{Reason: RefusedPardoned, Case: req.Case, By: *w.PardonedBy,
				On: w.PardonedAt.UTC().Format("2006-01-02")}
		}
		if res.Warning, err = tx.PardonWarning(ctx, req.GuildID, w.ID, now, req.ModeratorID, req.Reason); err != nil {
			return err
		}
		if res.Total, err = tx.CountActiveWarnings(ctx, req.GuildID, userID, now); err != nil {
			return err
		}
		action, err := tx.AppliedAction(ctx, req.GuildID, w.ID)
		switch {
		case err == nil:
			res.Action = Action(action)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		e := req.Audit
		e.GuildID, e.ActionType, e.ActorID, e.TargetID, e.Reason = req.GuildID, "pardon", req.ModeratorID, userID, req.Reason
		e.Details = merged(e.Details, map[string]any{"caseNumber": req.Case, "totalWarnings": res.Total,
			"warnedAt": w.CreatedAt.UTC().Format(time.RFC3339)})
		return tx.Audit(ctx, e)
	})
	if err != nil {
		var r *RefusalError
		if errors.As(err, &r) {
			return PardonResult{}, r
		}
		return PardonResult{}, fmt.Errorf("pardon case %d: %w", req.Case, err)
	}
	s.log.Info("Strike pardoned", "userId", res.Warning.UserID, "totalWarnings", res.Total, "guildId", req.GuildID,
		"caseNumber", req.Case, "moderatorId", req.ModeratorID)
	s.post(ctx, req.GuildID, LogEntry{Kind: LogPardon, MemberID: res.Warning.UserID, ModeratorID: req.ModeratorID,
		Case: req.Case, Reason: req.Reason, Total: res.Total, Top: s.ladder.Top()})
	return res, nil
}

// LiftRequest is one /security untimeout or /security unban.
type LiftRequest struct {
	GuildID       string
	UserID        string
	ModeratorID   string
	ModeratorName string
	Reason        string
	// Action is ActionUntimeout or ActionUnban.
	Action Action
}

// Lift ends a member's timeout or ban on Discord and records it. Reversals
// are sent in safe mode too: they only ever lift restrictions.
func (s *Service) Lift(ctx context.Context, req LiftRequest) error {
	if req.Action != ActionUntimeout && req.Action != ActionUnban {
		return fmt.Errorf("lift %s: not a reversal", req.Action)
	}
	if err := s.mayLift(ctx, req); err != nil {
		return err
	}
	reason := AuditReason(req.ModeratorName, req.ModeratorID, 0, 0, req.Reason)
	var err error
	if req.Action == ActionUntimeout {
		err = s.fx.Untimeout(ctx, req.GuildID, req.UserID, reason)
	} else {
		err = s.fx.Unban(ctx, req.GuildID, req.UserID, reason)
	}
	status, msg := "applied", ""
	var failure *EnforceFailure
	switch {
	case err == nil:
	case errors.Is(err, ErrUnknown) && req.Action == ActionUnban:
		return &RefusalError{Reason: RefusedNotBanned, TargetID: req.UserID}
	case errors.Is(err, ErrUnknown):
		return &RefusalError{Reason: RefusedNotMember, TargetID: req.UserID}
	default:
		failure = enforceFailure(req.Action, err)
		status, msg = "failed", failure.Error()
		s.log.Warn("Moderation enforcement failed", "userId", req.UserID, "guildId", req.GuildID,
			"action", string(req.Action), "error", err)
	}
	if _, dbErr := s.db.InsertModeration(ctx, store.ModerationAction{GuildID: req.GuildID, UserID: req.UserID,
		Action: string(req.Action), ModeratorID: req.ModeratorID, Reason: req.Reason, Enforced: err == nil, CreatedAt: s.now(),
		Status: status, Error: nullable(msg)}); dbErr != nil {
		return dbErr
	}
	if err != nil {
		return &RefusalError{Reason: RefusedFailed, TargetID: req.UserID, Failure: failure}
	}
	s.log.Info("Moderation action lifted", "userId", req.UserID, "guildId", req.GuildID, "action", string(req.Action),
		"moderatorId", req.ModeratorID)
	s.post(ctx, req.GuildID, LogEntry{Kind: LogLift, MemberID: req.UserID, ModeratorID: req.ModeratorID,
		Reason: req.Reason, Action: req.Action})
	return nil
}

// Warnings returns a member's warnings, newest first, and how many are
// active now.
func (s *Service) Warnings(ctx context.Context, guildID, userID string, limit int) ([]Warning, int, error) {
	now := s.now()
	ws, err := s.db.Warnings(ctx, guildID, userID, limit)
	if err != nil {
		return nil, 0, err
	}
	active, err := s.db.CountActiveWarnings(ctx, guildID, userID, now)
	if err != nil {
		return nil, 0, err
	}
	return ws, active, nil
}

// SetModLog sets (or, with channelID "", clears) the channel where
// warnings, pardons and actions are posted, auditing the change.
func (s *Service) SetModLog(ctx context.Context, guildID, channelID, by string, e audit.Entry) error {
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetModLog(ctx, guildID, nullable(channelID), by, s.now()); err != nil {
			return err
		}
		e.GuildID, e.ActorID = guildID, by
		e.Details = merged(e.Details, map[string]any{"channelId": channelID})
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return fmt.Errorf("set mod-log channel of guild %s: %w", guildID, err)
	}
	return nil
}

// ModLog returns the guild's mod-log channel, or "".
func (s *Service) ModLog(ctx context.Context, guildID string) (string, error) {
	ch, err := s.db.ModLog(ctx, guildID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return ch, err
}

// post sends e to the guild's mod-log channel, if it has one, and reports
// whether it was posted, and where (the message id is "" while the post is
// queued). A failure is logged: the mod log never blocks moderation.
func (s *Service) post(ctx context.Context, guildID string, e LogEntry) (posted, bool) {
	ch, err := s.ModLog(ctx, guildID)
	if err == nil && ch == "" {
		return posted{}, false
	}
	var id string
	if err == nil {
		e.ChannelID = ch
		id, err = s.fx.PostModLog(ctx, e)
	}
	if errors.Is(err, ErrQueued) {
		s.log.Warn("Mod-log post queued: Discord did not take it now", "guildId", guildID, "error", err)
		return posted{channelID: ch}, true
	}
	if err != nil {
		s.log.Warn("Mod-log post failed", "guildId", guildID, "error", err)
		return posted{}, false
	}
	return posted{channelID: ch, messageID: id}, true
}

// postWarning posts the warning to the mod log, with a Confirm ban button
// for a ban the moderator could not give, and keeps the post with the
// warning. It reports whether the post was made.
func (s *Service) postWarning(ctx context.Context, req WarnRequest, res WarnResult) bool {
	e := LogEntry{Kind: LogWarning, GuildID: req.GuildID, WarningID: res.Warning.ID, MemberID: req.UserID,
		ModeratorID: req.ModeratorID, Case: res.Warning.CaseNumber,
		Reason: req.Reason, Severity: req.Severity, Total: res.Total, Top: s.ladder.Top(), Action: res.Action,
		SafeMode: res.SafeMode, MissingPermission: res.MissingPermission, Failure: res.Failure, DMStatus: res.DMStatus,
		Severe: res.Action != ActionWarning}
	if res.MissingPermission != "" && res.Action == ActionBan {
		e.ConfirmBan = &BanConfirmation{GuildID: req.GuildID, UserID: req.UserID, Case: res.Warning.CaseNumber, Total: res.Total}
	}
	p, ok := s.post(ctx, req.GuildID, e)
	if ok && p.messageID != "" {
		s.keepPost(ctx, req.GuildID, res.Warning.ID, p, res.DMStatus)
	}
	return ok
}
