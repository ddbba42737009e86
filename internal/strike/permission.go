package strike

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// Discord's permission rules, applied to the staff member on whose behalf
// the bot acts. The bot's own role is above the members it moderates, so
// Discord would carry out whatever the bot asks: the rules Discord applies
// to a moderator acting in its client are checked here instead.

// Names of the Discord permissions the ladder's actions require.
const (
	permBan      = "Ban Members"
	permModerate = "Moderate Members"
)

// awaitingConfirmation marks (in user_moderation.error) a strike's ban that
// waits for a Confirm ban click; a click claims it by clearing the mark.
const awaitingConfirmation = "awaiting confirmation by a member with Ban Members"

// missingPermission returns the permission mod lacks for action, or "".
func missingPermission(action Action, mod Member) string {
	switch {
	case action == ActionTimeout && !mod.ModerateMembers:
		return permModerate
	case action == ActionBan && !mod.BanMembers:
		return permBan
	}
	return ""
}

// member looks up userID with the permissions Discord gives them: the guild
// owner holds every permission whatever their roles.
func (s *Service) member(ctx context.Context, g Guild, userID string) (Member, error) {
	m, err := s.dir.Member(ctx, g.ID, userID)
	if err != nil {
		return Member{}, err
	}
	if userID == g.OwnerID {
		m.BanMembers, m.ModerateMembers = true, true
	}
	return m, nil
}

// outranks refuses an action on target unless Discord's role hierarchy
// allows it: nobody acts on the server owner; the actor's highest role must
// be above the target's (the server owner and the bot owners act regardless,
// as for warnings); so must the bot's, since the bot carries the action out.
func (s *Service) outranks(ctx context.Context, g Guild, actor, target Member, act Act) error {
	if target.UserID == g.OwnerID {
		return &RefusalError{Reason: RefusedOwnerTarget, TargetID: target.UserID, Act: act}
	}
	if actor.UserID != g.OwnerID && !slices.Contains(s.owners, actor.UserID) && target.TopPosition >= actor.TopPosition {
		return &RefusalError{Reason: RefusedAboveActor, TargetID: target.UserID, Act: act}
	}
	b, err := s.dir.Member(ctx, g.ID, g.BotID)
	if err != nil {
		return fmt.Errorf("look up the bot's member: %w", err)
	}
	if target.TopPosition >= b.TopPosition {
		return &RefusalError{Reason: RefusedAboveBot, TargetID: target.UserID, Act: act}
	}
	return nil
}

// withhold handles a ladder action the moderator lacks the permission for:
// a timeout is not applied; a ban is posted to the mod log with a Confirm
// ban button for someone with Ban Members (with no mod log to post in, it is
// not applied either). res says which, for the moderator.
func (s *Service) withhold(ctx context.Context, req WarnRequest, res *WarnResult, modID int64) {
	perm := res.MissingPermission
	s.log.Warn("Moderation action withheld: the moderator lacks the permission", "userId", req.UserID,
		"guildId", req.GuildID, "moderatorId", req.ModeratorID, "action", string(res.Action), "required", perm)
	res.Failure = &EnforceFailure{Action: res.Action, Reason: FailedWithheld, Permission: perm}
	posted := s.postWarning(ctx, req, *res)
	if res.Action != ActionBan {
		return
	}
	if posted {
		res.AwaitingConfirmation = true
		res.Failure.Reason = FailedAwaitingConfirmation
		return
	}
	res.Failure.Reason = FailedNoModLog
	if err := s.db.FailModeration(ctx, req.GuildID, modID, "not applied: the moderator lacks Ban Members and no mod log could ask for a confirmation"); err != nil {
		s.log.Error("Could not record the withheld ban", "userId", req.UserID, "error", err)
	}
}

// mayLift refuses a reversal that Discord would refuse the moderator in its
// client: lifting a ban needs Ban Members; lifting a timeout needs Moderate
// Members and a role above the member's (and the bot's role above theirs).
func (s *Service) mayLift(ctx context.Context, req LiftRequest) error {
	g, err := s.dir.Guild(ctx, req.GuildID)
	if err != nil {
		return fmt.Errorf("look up guild %s: %w", req.GuildID, err)
	}
	actor, err := s.member(ctx, g, req.ModeratorID)
	if err != nil {
		return fmt.Errorf("look up moderator %s: %w", req.ModeratorID, err)
	}
	if req.Action == ActionUnban {
		if !actor.BanMembers {
			return &RefusalError{Reason: RefusedPermission, TargetID: req.UserID, Permission: permBan, Act: ActLiftBan}
		}
		return nil
	}
	if !actor.ModerateMembers {
		return &RefusalError{Reason: RefusedPermission, TargetID: req.UserID, Permission: permModerate, Act: ActLiftTimeout}
	}
	target, err := s.dir.Member(ctx, g.ID, req.UserID)
	if errors.Is(err, ErrNotMember) {
		return &RefusalError{Reason: RefusedNotMember, TargetID: req.UserID}
	}
	if err != nil {
		return fmt.Errorf("look up member %s: %w", req.UserID, err)
	}
	return s.outranks(ctx, g, actor, target, ActLiftTimeout)
}

// ConfirmBanRequest is a click on a Confirm ban button. GuildID, UserID,
// Case and Total come from the button's signed id.
type ConfirmBanRequest struct {
	GuildID, UserID    string
	Case               int64
	Total              int
	ActorID, ActorName string
	// Audit is the click's record; ConfirmBan writes the ban's outcome with
	// it.
	Audit audit.Entry
}

// ConfirmBanResult is what a confirmation did.
type ConfirmBanResult struct {
	// Enforced: Discord applied the ban.
	Enforced bool
	// SafeMode: the ban was only recorded (enforcement off).
	SafeMode bool
	// Failure says why Discord refused the ban.
	Failure *EnforceFailure
}

// ConfirmBan carries out a strike's ban that awaits confirmation, for a
// member who has Ban Members and, if the banned member is still here,
// outranks them (Discord's rules for banning). Only the first click acts;
// in safe mode the ban is recorded as what would have been done.
func (s *Service) ConfirmBan(ctx context.Context, req ConfirmBanRequest) (ConfirmBanResult, error) {
	g, err := s.dir.Guild(ctx, req.GuildID)
	if err != nil {
		return ConfirmBanResult{}, fmt.Errorf("look up guild %s: %w", req.GuildID, err)
	}
	actor, err := s.member(ctx, g, req.ActorID)
	if err != nil {
		return ConfirmBanResult{}, fmt.Errorf("look up member %s: %w", req.ActorID, err)
	}
	if !actor.BanMembers {
		return ConfirmBanResult{}, &RefusalError{Reason: RefusedPermission, TargetID: req.UserID, Permission: permBan, Act: ActConfirmBan}
	}
	target, err := s.dir.Member(ctx, g.ID, req.UserID)
	switch {
	case errors.Is(err, ErrNotMember): // gone: Discord bans a user id, no hierarchy applies
	case err != nil:
		return ConfirmBanResult{}, fmt.Errorf("look up member %s: %w", req.UserID, err)
	default:
		if err := s.outranks(ctx, g, actor, target, ActConfirmBan); err != nil {
			return ConfirmBanResult{}, err
		}
	}
	var claim store.ClaimedBan
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, "strike", req.GuildID, req.UserID); err != nil {
			return err
		}
		var err error
		claim, err = tx.ClaimBan(ctx, req.GuildID, req.UserID, req.Case, req.ActorID, awaitingConfirmation)
		if errors.Is(err, store.ErrNotFound) {
			return &RefusalError{Reason: RefusedNoBanAwaiting, TargetID: req.UserID, Case: req.Case}
		}
		return err
	})
	var r *RefusalError
	if errors.As(err, &r) {
		return ConfirmBanResult{}, r
	}
	if err != nil {
		return ConfirmBanResult{}, fmt.Errorf("claim the ban of case %d: %w", req.Case, err)
	}
	modID, reason, moderatorID := claim.ID, claim.Reason, claim.ModeratorID
	s.log.Info("Ban confirmed", "userId", req.UserID, "guildId", req.GuildID, "caseNumber", req.Case,
		"moderatorId", req.ActorID, "strikeModeratorId", moderatorID)
	o := outcome{action: ActionBan, guildID: req.GuildID, userID: req.UserID, actorID: req.ActorID, reason: reason,
		auditReason: AuditReason(req.ActorName, req.ActorID, req.Total, s.ladder.Top(), reason), modID: modID, entry: req.Audit,
		details: map[string]any{"caseNumber": req.Case, "totalWarnings": req.Total, "strikeModeratorId": moderatorID, "confirmation": true}}
	if !s.enforce {
		s.log.Info("Moderation enforcement DISABLED (dev/staging mode)", "userId", req.UserID, "wouldApply", string(ActionBan))
		s.recordOutcome(ctx, o, "simulated", false, "", merged(o.details, map[string]any{"ok": true, "safeMode": true}))
		return ConfirmBanResult{SafeMode: true}, nil
	}
	// DM first, as for a strike's own ban: after the ban the bot can no
	// longer reach the member. Their strike's DM did not announce it.
	dm := DM{UserID: req.UserID, GuildName: g.Name, Ban: true, Case: req.Case, Total: req.Total, Reason: reason, Ladder: s.ladder}
	if err := s.fx.SendDM(ctx, dm); err != nil {
		s.log.Info("Ban DM not delivered", "userId", req.UserID, "error", err)
	}
	var res ConfirmBanResult
	res.Enforced, res.Failure = s.carryOut(ctx, o)
	return res, nil
}
