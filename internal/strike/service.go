package strike

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
)

// Options configures a Service.
type Options struct {
	// Ladder is the strike ladder; zero fields take DefaultLadder's.
	Ladder Ladder
	// Enforce sends timeouts and bans to Discord; off is safe mode, where
	// they are only recorded (SECOPS_ENFORCE_MODERATION).
	Enforce bool
	// Owners are the bot owners (ADMIN_USER_ID): never warned.
	Owners []string
	// Now is the clock every strike time is computed from (not the
	// database's now()), so tests can move it.
	Now    func() time.Time
	Logger *slog.Logger
}

// Store is the database the warning system uses: user_warnings,
// user_moderation, guild_case_counters and guild_strike_settings, with the
// audit records that commit with them (*store.Store).
type Store interface {
	// InTx runs a warning, pardon or confirmation in one transaction,
	// locked per member with Tx.Lock("strike", guildID, userID) so that two
	// simultaneous warnings count N and N+1.
	InTx(ctx context.Context, fn func(store.Tx) error) error
	Warnings(ctx context.Context, guildID, userID string, limit int) ([]store.Warning, error)
	CountActiveWarnings(ctx context.Context, guildID, userID string, now time.Time) (int, error)
	SetWarningDMStatus(ctx context.Context, guildID string, id int64, status string) error
	SetWarningModLogPost(ctx context.Context, guildID string, id int64, channelID, messageID string) (store.Warning, error)
	InsertModeration(ctx context.Context, m store.ModerationAction) (int64, error)
	FailModeration(ctx context.Context, guildID string, id int64, msg string) error
	ModLog(ctx context.Context, guildID string) (string, error)
}

var _ Store = (*store.Store)(nil)

// Service gives, lists and pardons strikes and applies the ladder's actions.
type Service struct {
	db      Store
	dir     Directory
	fx      Effects
	ladder  Ladder
	enforce bool
	owners  []string
	now     func() time.Time
	log     *slog.Logger
}

// New returns a Service. It tags opts.Logger with its component,
// WarningSystem.
func New(db Store, dir Directory, fx Effects, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, dir: dir, fx: fx, ladder: opts.Ladder.withDefaults(), enforce: opts.Enforce,
		owners: opts.Owners, now: opts.Now, log: logging.Component(opts.Logger, "WarningSystem")}
}

// Ladder returns the ladder in force.
func (s *Service) Ladder() Ladder { return s.ladder }

// Enforcing reports whether timeouts and bans reach Discord.
func (s *Service) Enforcing() bool { return s.enforce }

// Warning is a strike: one user_warnings row.
type Warning = store.Warning

// DMStatus is what became of a warning's DM.
type DMStatus string

// DM outcomes.
const (
	DMPending DMStatus = "pending"
	DMSent    DMStatus = "sent"
	DMClosed  DMStatus = "closed" // Discord 50007
	DMFailed  DMStatus = "failed"
)

// WarnRequest is one /security warn.
type WarnRequest struct {
	GuildID       string
	InteractionID string
	ModeratorID   string
	ModeratorName string
	UserID        string
	Reason        string
	Severity      Severity
	// Audit is the warn record (actor, target, reason, command details);
	// Warn adds the strike details and writes it with the warning.
	Audit audit.Entry
	// Acknowledge, when set, is called once the warning is recorded and
	// before the first Discord call (the DM): the bot defers the
	// interaction there when Discord's rate limit would keep the moderator
	// waiting.
	Acknowledge func(context.Context)
}

// WarnResult is what a warning did.
type WarnResult struct {
	Warning Warning
	// Total is the member's active strikes, this one included.
	Total  int
	Action Action
	// Enforced: the timeout or ban was applied by Discord.
	Enforced bool
	// SafeMode: the action was only recorded (enforcement off).
	SafeMode bool
	// Failure says why the action was not applied: Discord refused, or
	// the moderator lacks the permission Discord requires for it (nil when
	// it was applied, or there was nothing to apply).
	Failure *EnforceFailure
	// MissingPermission is the Discord permission the moderator lacks for
	// the ladder's action ("Ban Members", "Moderate Members"), which was
	// then not applied.
	MissingPermission string
	// AwaitingConfirmation: the moderator lacks Ban Members, so the ban was
	// posted to the mod log with a Confirm ban button instead of applied.
	AwaitingConfirmation bool
	DMStatus             DMStatus
	// Replayed: this interaction was already handled; nothing was done.
	Replayed bool
	// DoubleSubmit: the same moderator gave the same member the same
	// warning moments ago; nothing new was recorded.
	DoubleSubmit bool
}

// Warn gives a member a strike: it refuses members who may not be warned,
// records the warning exactly once, DMs the member, then applies the
// ladder's action (or, in safe mode, records what it would have done).
func (s *Service) Warn(ctx context.Context, req WarnRequest) (WarnResult, error) {
	if req.Severity == "" {
		req.Severity = Medium
	}
	if !slices.Contains(Severities, string(req.Severity)) {
		return WarnResult{}, &RefusalError{Reason: RefusedSeverity}
	}
	g, mod, err := s.check(ctx, req)
	if err != nil {
		return WarnResult{}, err
	}
	now := s.now()
	var res WarnResult
	var modID int64
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		res, modID, err = s.record(ctx, tx, req, mod, now)
		return err
	})
	if err != nil {
		return WarnResult{}, fmt.Errorf("warn member %s: %w", req.UserID, err)
	}
	if res.Replayed || res.DoubleSubmit {
		s.log.Info("Duplicate warning ignored", "userId", req.UserID, "guildId", req.GuildID,
			"caseNumber", res.Warning.CaseNumber, "replayed", res.Replayed, "doubleSubmit", res.DoubleSubmit)
		return res, nil
	}

	if req.Acknowledge != nil {
		req.Acknowledge(ctx)
	}
	// DM first: after a ban the bot can no longer reach the member.
	res.DMStatus = s.sendDM(ctx, g, req, res)
	// A queued DM stays pending, as the warning was stored: its job records
	// the outcome (SettleDM), perhaps before this line is reached.
	if res.DMStatus != DMPending {
		if err := s.db.SetWarningDMStatus(ctx, req.GuildID, res.Warning.ID, string(res.DMStatus)); err != nil {
			s.log.Error("Could not store the DM outcome", "userId", req.UserID, "error", err)
		}
	}
	s.log.Info("User warned", "userId", req.UserID, "totalWarnings", res.Total, "guildId", req.GuildID,
		"caseNumber", res.Warning.CaseNumber, "action", string(res.Action), "severity", string(req.Severity))
	switch {
	case res.MissingPermission != "":
		s.withhold(ctx, req, &res, modID)
		return res, nil
	case !s.enforce:
		s.log.Info("Moderation enforcement DISABLED (dev/staging mode)", "userId", req.UserID, "wouldApply", string(res.Action))
	case res.Action != ActionWarning:
		s.apply(ctx, req, &res, modID, now)
	}
	s.postWarning(ctx, req, res)
	return res, nil
}

// record writes a warning in tx, locked per member so that two simultaneous
// warnings count N and N+1. A redelivered interaction or a double submit
// writes nothing (res says which); otherwise the warning takes the guild's
// next case number, the ladder's action gets its user_moderation row
// (modID, 0 for a plain warning), and the audit record is written.
func (s *Service) record(ctx context.Context, tx store.Tx, req WarnRequest, mod Member, now time.Time) (res WarnResult, modID int64, err error) {
	if err := tx.Lock(ctx, "strike", req.GuildID, req.UserID); err != nil {
		return res, 0, err
	}
	if res, err = s.duplicate(ctx, tx, req, now); err != nil || res.Replayed || res.DoubleSubmit {
		return res, 0, err
	}
	before, err := tx.CountActiveWarnings(ctx, req.GuildID, req.UserID, now)
	if err != nil {
		return res, 0, err
	}
	caseNumber, err := tx.NextCase(ctx, req.GuildID)
	if err != nil {
		return res, 0, err
	}
	res.Warning, err = tx.InsertWarning(ctx, store.Warning{GuildID: req.GuildID, UserID: req.UserID,
		ModeratorID: req.ModeratorID, Reason: req.Reason, Severity: string(req.Severity), CaseNumber: caseNumber,
		InteractionID: &req.InteractionID, CreatedAt: now, ExpiresAt: now.Add(s.ladder.Window)})
	if err != nil {
		return res, 0, err
	}
	res.Total = before + 1
	res.Action = s.ladder.ActionFor(res.Total)
	res.MissingPermission = missingPermission(res.Action, mod)
	res.SafeMode = res.Action != ActionWarning && !s.enforce && res.MissingPermission == ""
	res.DMStatus = DMPending
	details := map[string]any{"caseNumber": caseNumber, "totalWarnings": res.Total, "action": string(res.Action),
		"severity": string(req.Severity), "enforce": s.enforce}
	if res.Action != ActionWarning {
		if modID, err = s.recordAction(ctx, tx, req, res, now); err != nil {
			return res, 0, err
		}
		details["moderationId"] = modID
		if res.MissingPermission != "" {
			details["missingPermission"] = res.MissingPermission
		}
	}
	e := req.Audit
	e.GuildID, e.ActionType, e.ActorID, e.TargetID, e.Reason = req.GuildID, "warn", req.ModeratorID, req.UserID, req.Reason
	e.Details = merged(e.Details, details)
	return res, modID, tx.Audit(ctx, e)
}

// duplicate returns the warning req already gave, as a replay of its
// interaction or a double submit by its moderator; neither is set in res
// when req is new.
func (s *Service) duplicate(ctx context.Context, tx store.Tx, req WarnRequest, now time.Time) (WarnResult, error) {
	w, err := tx.WarningByInteraction(ctx, req.InteractionID)
	if err == nil {
		return WarnResult{Warning: w, Replayed: true, DMStatus: DMStatus(w.DMStatus)}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return WarnResult{}, err
	}
	w, err = tx.RepeatedWarning(ctx, req.GuildID, req.UserID, req.ModeratorID, req.Reason, now.Add(-DoubleSubmitWindow))
	if errors.Is(err, store.ErrNotFound) {
		return WarnResult{}, nil
	}
	if err != nil {
		return WarnResult{}, err
	}
	res := WarnResult{Warning: w, DoubleSubmit: true, DMStatus: DMStatus(w.DMStatus)}
	res.Total, err = tx.CountActiveWarnings(ctx, req.GuildID, req.UserID, now)
	return res, err
}

// recordAction records the ladder's timeout or ban for res's warning before
// Discord is asked. A ban the moderator may not give waits, pending, for
// someone who may; a timeout they may not give is not applied.
func (s *Service) recordAction(ctx context.Context, tx store.Tx, req WarnRequest, res WarnResult, now time.Time) (int64, error) {
	status, errText := "pending", ""
	switch {
	case res.MissingPermission != "" && res.Action == ActionBan:
		errText = awaitingConfirmation
	case res.MissingPermission != "":
		status, errText = "failed", fmt.Sprintf("not applied: the moderator lacks %s", res.MissingPermission)
	case !s.enforce:
		status = "simulated"
	}
	var until *time.Time
	if res.Action == ActionTimeout {
		t := now.Add(s.ladder.Timeout)
		until = &t
	}
	return tx.InsertModeration(ctx, store.ModerationAction{GuildID: req.GuildID, UserID: req.UserID,
		Action: string(res.Action), ModeratorID: req.ModeratorID, Reason: req.Reason, ExpiresAt: until, CreatedAt: now,
		WarningID: &res.Warning.ID, Status: status, Error: nullable(errText)})
}

// check refuses warnings the system must not give. It returns the guild and
// the moderator's membership, whose permissions decide whether the ladder's
// action may be applied.
func (s *Service) check(ctx context.Context, req WarnRequest) (Guild, Member, error) {
	if req.UserID == req.ModeratorID {
		return Guild{}, Member{}, &RefusalError{Reason: RefusedSelf}
	}
	g, err := s.dir.Guild(ctx, req.GuildID)
	if err != nil {
		return Guild{}, Member{}, fmt.Errorf("look up guild %s: %w", req.GuildID, err)
	}
	switch {
	case req.UserID == g.BotID:
		return g, Member{}, &RefusalError{Reason: RefusedBot, TargetID: req.UserID}
	case slices.Contains(s.owners, req.UserID):
		return g, Member{}, &RefusalError{Reason: RefusedBotOwner, TargetID: req.UserID}
	case req.UserID == g.OwnerID:
		return g, Member{}, &RefusalError{Reason: RefusedGuildOwner, TargetID: req.UserID}
	}
	target, err := s.dir.Member(ctx, req.GuildID, req.UserID)
	if errors.Is(err, ErrNotMember) {
		return g, Member{}, &RefusalError{Reason: RefusedNotMember, TargetID: req.UserID}
	}
	if err != nil {
		return g, Member{}, fmt.Errorf("look up member %s: %w", req.UserID, err)
	}
	switch {
	case target.Bot:
		return g, Member{}, &RefusalError{Reason: RefusedBot, TargetID: req.UserID}
	case target.Administrator:
		return g, Member{}, &RefusalError{Reason: RefusedAdministrator, TargetID: req.UserID}
	}
	mod, err := s.member(ctx, g, req.ModeratorID)
	if err != nil {
		return g, Member{}, fmt.Errorf("look up moderator %s: %w", req.ModeratorID, err)
	}
	return g, mod, s.outranks(ctx, g, mod, target, ActWarn)
}

func (s *Service) sendDM(ctx context.Context, g Guild, req WarnRequest, res WarnResult) DMStatus {
	brings := res.Action
	if res.MissingPermission != "" || !s.enforce {
		brings = ActionWarning // not applied, or not yet: the DM does not announce it
	}
	w := res.Warning
	err := s.fx.SendDM(ctx, DM{UserID: req.UserID, GuildName: g.Name, GuildID: req.GuildID, WarningID: w.ID, Case: w.CaseNumber,
		Total: res.Total, Reason: w.Reason, Severity: Severity(w.Severity), ExpiresAt: w.ExpiresAt, Brings: brings, Ladder: s.ladder})
	status := dmOutcome(err)
	switch status {
	case DMClosed:
		s.log.Info("Warning DM not delivered: DMs closed", "userId", req.UserID)
	case DMPending:
		s.log.Warn("Warning DM queued: Discord did not take it now", "userId", req.UserID, "error", err)
	case DMFailed:
		s.log.Warn("Warning DM failed", "userId", req.UserID, "error", err)
	}
	return status
}

// dmOutcome is the DM status an attempt to send a DM ended with.
func dmOutcome(err error) DMStatus {
	switch {
	case err == nil:
		return DMSent
	case errors.Is(err, ErrDMClosed):
		return DMClosed
	case errors.Is(err, ErrQueued):
		return DMPending
	default:
		return DMFailed
	}
}

// SettleDM records the final outcome of a warning DM that Discord did not
// take at first and a job sent again (err nil: delivered; else refused
// for good or given up): the warning's dm_status, as a direct send records
// it, and an audit record (warning-dm) by the system; then the DM line of
// the warning's mod-log post, if it has one yet (else keepPost does it).
// Only a pending status changes, so that a job run twice records, and
// edits, once. A warningID of 0 (not a warning's DM) is ignored.
func (s *Service) SettleDM(ctx context.Context, guildID string, warningID int64, sendErr error) {
	if warningID == 0 {
		return
	}
	status := dmOutcome(sendErr)
	if status == DMPending {
		status = DMFailed // still unsent, and no job will try again
	}
	var w Warning
	txErr := s.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		if w, err = tx.SettleWarningDM(ctx, guildID, warningID, string(status)); err != nil {
			return err
		}
		details := map[string]any{"warningId": w.ID, "caseNumber": w.CaseNumber, "dmStatus": string(status), "queued": true}
		if sendErr != nil {
			details["error"] = sendErr.Error()
		}
		return tx.Audit(ctx, audit.Entry{GuildID: guildID, ActionType: "warning-dm", ActorID: audit.SystemActor,
			TargetID: w.UserID, Reason: fmt.Sprintf("case #%d: queued DM %s", w.CaseNumber, status), Details: details, CreatedAt: s.now()})
	})
	switch {
	case errors.Is(txErr, store.ErrNotFound):
		s.log.Info("Queued warning DM outcome already recorded", "guildId", guildID, "warningId", warningID)
	case txErr != nil:
		s.log.Error("Could not store the queued DM outcome", "guildId", guildID, "warningId", warningID, "error", txErr)
	default:
		s.log.Info("Queued warning DM settled", "userId", w.UserID, "guildId", guildID, "caseNumber", w.CaseNumber, "dmStatus", string(status))
		if w.ModLogChannelID != nil && w.ModLogMessageID != nil {
			s.editPost(ctx, w, posted{channelID: *w.ModLogChannelID, messageID: *w.ModLogMessageID}, status)
		}
	}
}

// apply sends the timeout or ban and records the outcome.
func (s *Service) apply(ctx context.Context, req WarnRequest, res *WarnResult, modID int64, now time.Time) {
	o := outcome{action: res.Action, guildID: req.GuildID, userID: req.UserID, actorID: req.ModeratorID, reason: req.Reason,
		auditReason: AuditReason(req.ModeratorName, req.ModeratorID, res.Total, s.ladder.Top(), req.Reason), modID: modID,
		entry: req.Audit, details: map[string]any{"caseNumber": res.Warning.CaseNumber, "totalWarnings": res.Total}}
	if res.Action == ActionTimeout {
		o.until = now.Add(s.ladder.Timeout)
	}
	res.Enforced, res.Failure = s.carryOut(ctx, o)
}

// outcome is a timeout or ban to carry out for a recorded user_moderation
// row, and the audit record of its result.
type outcome struct {
	action                                        Action
	guildID, userID, actorID, reason, auditReason string
	modID                                         int64
	until                                         time.Time // timeouts
	entry                                         audit.Entry
	details                                       map[string]any
}

// carryOut sends o's timeout or ban to Discord and records the outcome on
// its user_moderation row and in the audit log. It returns whether Discord
// applied it and, if not, why.
func (s *Service) carryOut(ctx context.Context, o outcome) (enforced bool, failure *EnforceFailure) {
	var err error
	details := merged(o.details, nil)
	switch o.action {
	case ActionTimeout:
		details["until"] = o.until.UTC().Format(time.RFC3339)
		err = s.fx.Timeout(ctx, o.guildID, o.userID, o.until, o.auditReason)
	case ActionBan:
		err = s.fx.Ban(ctx, o.guildID, o.userID, o.auditReason)
	}
	status, msg := "applied", ""
	if err != nil {
		failure = enforceFailure(o.action, err)
		status, msg = "failed", failure.Error()
		s.log.Warn("Moderation enforcement failed", "userId", o.userID, "guildId", o.guildID,
			"action", string(o.action), "error", err)
		details["error"] = msg
	}
	details["ok"] = err == nil
	s.recordOutcome(ctx, o, status, err == nil, msg, details)
	return err == nil, failure
}

// recordOutcome stores what became of o on its user_moderation row and
// writes its audit record (the outcome phase of the action), in one
// transaction.
func (s *Service) recordOutcome(ctx context.Context, o outcome, status string, enforced bool, msg string, details map[string]any) {
	e := o.entry
	e.EventID, e.GuildID, e.ActionType, e.ActorID, e.TargetID, e.Reason = "", o.guildID, string(o.action), o.actorID, o.userID, o.reason
	e.Details = merged(merged(e.Details, details), map[string]any{"phase": "outcome", "moderationId": o.modID})
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetModerationOutcome(ctx, o.guildID, o.modID, status, enforced, nullable(msg)); err != nil {
			return err
		}
		return tx.Audit(ctx, e)
	})
	if err != nil {
		s.log.Error("Could not record the enforcement outcome", "userId", o.userID, "action", string(o.action), "error", err)
	}
}

func merged(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, b)
	return out
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
