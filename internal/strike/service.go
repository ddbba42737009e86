package strike

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
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

// Service gives, lists and pardons strikes and applies the ladder's actions.
type Service struct {
	pool    *pgxpool.Pool
	dir     Directory
	fx      Effects
	ladder  Ladder
	enforce bool
	owners  []string
	now     func() time.Time
	log     *slog.Logger
}

// New returns a Service. logger should carry the WarningSystem component.
func New(pool *pgxpool.Pool, dir Directory, fx Effects, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, dir: dir, fx: fx, ladder: opts.Ladder.withDefaults(), enforce: opts.Enforce,
		owners: opts.Owners, now: opts.Now, log: opts.Logger}
}

// Ladder returns the ladder in force.
func (s *Service) Ladder() Ladder { return s.ladder }

// Enforcing reports whether timeouts and bans reach Discord.
func (s *Service) Enforcing() bool { return s.enforce }

// Warning is one user_warnings row: a strike.
type Warning struct {
	ID            int64      `db:"id"`
	GuildID       string     `db:"guild_id"`
	UserID        string     `db:"user_id"`
	ModeratorID   string     `db:"moderator_id"`
	Reason        string     `db:"reason"`
	Severity      Severity   `db:"severity"`
	CaseNumber    int64      `db:"case_number"`
	InteractionID *string    `db:"interaction_id"`
	CreatedAt     time.Time  `db:"created_at"`
	ExpiresAt     time.Time  `db:"expires_at"`
	PardonedAt    *time.Time `db:"pardoned_at"`
	PardonedBy    *string    `db:"pardoned_by"`
	PardonReason  *string    `db:"pardon_reason"`
	DMStatus      DMStatus   `db:"dm_status"`
}

// Active reports whether the strike counts at time now.
func (w Warning) Active(now time.Time) bool { return w.PardonedAt == nil && w.ExpiresAt.After(now) }

// DMStatus is what became of a warning's DM.
type DMStatus string

// DM outcomes.
const (
	DMPending DMStatus = "pending"
	DMSent    DMStatus = "sent"
	DMClosed  DMStatus = "closed" // Discord 50007
	DMFailed  DMStatus = "failed"
)

const warningColumns = `id, guild_id, user_id, moderator_id, reason, severity, coalesce(case_number, 0) AS case_number,
	interaction_id, created_at, expires_at, pardoned_at, pardoned_by, pardon_reason, dm_status`

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
	// EnforceError says why the action was not applied: Discord refused,
	// or the moderator lacks the permission Discord requires for it.
	EnforceError string
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

// lockMember serialises strike changes for one member of one guild until
// the transaction ends, so that two simultaneous warnings count N and N+1.
func lockMember(ctx context.Context, tx pgx.Tx, guildID, userID string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('strike:' || $1 || ':' || $2, 30))`,
		guildID, userID); err != nil {
		return fmt.Errorf("lock strikes of %s: %w", userID, err)
	}
	return nil
}

func countActive(ctx context.Context, q pgx.Tx, guildID, userID string, now time.Time) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM user_warnings
		WHERE guild_id = $1 AND user_id = $2 AND pardoned_at IS NULL AND expires_at > $3`, guildID, userID, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count strikes of %s: %w", userID, err)
	}
	return n, nil
}

// findWarning returns the first warning matching where, or ok=false.
func findWarning(ctx context.Context, tx pgx.Tx, where string, args ...any) (Warning, bool, error) {
	rows, _ := tx.Query(ctx, `SELECT `+warningColumns+` FROM user_warnings WHERE `+where, args...)
	w, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning])
	if errors.Is(err, pgx.ErrNoRows) {
		return Warning{}, false, nil
	}
	if err != nil {
		return Warning{}, false, err
	}
	return w, true, nil
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
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockMember(ctx, tx, req.GuildID, req.UserID); err != nil {
			return err
		}
		w, found, err := findWarning(ctx, tx, `interaction_id = $1`, req.InteractionID)
		if err != nil {
			return fmt.Errorf("look up interaction %s: %w", req.InteractionID, err)
		}
		if found {
			res = WarnResult{Warning: w, Replayed: true, DMStatus: w.DMStatus}
			return nil
		}
		w, found, err = findWarning(ctx, tx, `guild_id = $1 AND user_id = $2 AND moderator_id = $3 AND reason = $4
			AND created_at > $5 ORDER BY created_at DESC LIMIT 1`,
			req.GuildID, req.UserID, req.ModeratorID, req.Reason, now.Add(-DoubleSubmitWindow))
		if err != nil {
			return fmt.Errorf("look for a double submit: %w", err)
		}
		if found {
			res = WarnResult{Warning: w, DoubleSubmit: true, DMStatus: w.DMStatus}
			res.Total, err = countActive(ctx, tx, req.GuildID, req.UserID, now)
			return err
		}
		before, err := countActive(ctx, tx, req.GuildID, req.UserID, now)
		if err != nil {
			return err
		}
		var caseNumber int64
		if err := tx.QueryRow(ctx, `INSERT INTO guild_case_counters (guild_id, last_case) VALUES ($1, 1)
			ON CONFLICT (guild_id) DO UPDATE SET last_case = guild_case_counters.last_case + 1
			RETURNING last_case`, req.GuildID).Scan(&caseNumber); err != nil {
			return fmt.Errorf("next case number: %w", err)
		}
		rows, _ := tx.Query(ctx, `INSERT INTO user_warnings
			(guild_id, user_id, moderator_id, reason, severity, case_number, interaction_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+warningColumns,
			req.GuildID, req.UserID, req.ModeratorID, req.Reason, req.Severity, caseNumber, req.InteractionID,
			now, now.Add(s.ladder.Window))
		if res.Warning, err = pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning]); err != nil {
			return fmt.Errorf("insert warning: %w", err)
		}
		res.Total = before + 1
		res.Action = s.ladder.ActionFor(res.Total)
		res.MissingPermission = missingPermission(res.Action, mod)
		res.SafeMode = res.Action != ActionWarning && !s.enforce && res.MissingPermission == ""
		res.DMStatus = DMPending
		details := map[string]any{"caseNumber": caseNumber, "totalWarnings": res.Total, "action": string(res.Action),
			"severity": string(req.Severity), "enforce": s.enforce}
		if res.Action != ActionWarning {
			// A ban the moderator may not give waits, pending, for someone
			// who may; a timeout they may not give is not applied.
			status, errText := "pending", ""
			switch {
			case res.MissingPermission != "" && res.Action == ActionBan:
				errText = awaitingConfirmation
			case res.MissingPermission != "":
				status, errText = "failed", fmt.Sprintf("not applied: the moderator lacks %s", res.MissingPermission)
			case !s.enforce:
				status = "simulated"
			}
			if res.MissingPermission != "" {
				details["missingPermission"] = res.MissingPermission
			}
			var until *time.Time
			if res.Action == ActionTimeout {
				t := now.Add(s.ladder.Timeout)
				until = &t
			}
			if err := tx.QueryRow(ctx, `INSERT INTO user_moderation
				(guild_id, user_id, action, moderator_id, reason, enforced, expires_at, created_at, warning_id, status, error)
				VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8, $9, $10) RETURNING id`,
				req.GuildID, req.UserID, res.Action, req.ModeratorID, req.Reason, until, now, res.Warning.ID, status,
				nullable(errText),
			).Scan(&modID); err != nil {
				return fmt.Errorf("record %s: %w", res.Action, err)
			}
			details["moderationId"] = modID
		}
		e := req.Audit
		e.GuildID, e.ActionType, e.ActorID, e.TargetID, e.Reason = req.GuildID, "warn", req.ModeratorID, req.UserID, req.Reason
		e.Details = merged(e.Details, details)
		return audit.Insert(ctx, tx, e)
	})
	if err != nil {
		return WarnResult{}, fmt.Errorf("warn member %s: %w", req.UserID, err)
	}
	if res.Replayed || res.DoubleSubmit {
		s.log.Info("Duplicate warning ignored", "userId", req.UserID, "guildId", req.GuildID,
			"caseNumber", res.Warning.CaseNumber, "replayed", res.Replayed, "doubleSubmit", res.DoubleSubmit)
		return res, nil
	}

	// DM first: after a ban the bot can no longer reach the member.
	res.DMStatus = s.sendDM(ctx, g, req, res)
	if err := s.exec(ctx, `UPDATE user_warnings SET dm_status = $3 WHERE guild_id = $1 AND id = $2`,
		req.GuildID, res.Warning.ID, res.DMStatus); err != nil {
		s.log.Error("Could not store the DM outcome", "userId", req.UserID, "error", err)
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
	return g, mod, s.outranks(ctx, g, mod, target, "warn them", "act on their strikes")
}

func (s *Service) sendDM(ctx context.Context, g Guild, req WarnRequest, res WarnResult) DMStatus {
	action := res.Action
	if res.MissingPermission != "" {
		action = ActionWarning // not applied, or not yet: the DM does not announce it
	}
	err := s.fx.SendDM(ctx, DM{UserID: req.UserID, Text: s.DMText(g.Name, res.Warning, res.Total, action)})
	switch {
	case err == nil:
		return DMSent
	case errors.Is(err, ErrDMClosed):
		s.log.Info("Warning DM not delivered: DMs closed", "userId", req.UserID)
		return DMClosed
	default:
		s.log.Warn("Warning DM failed", "userId", req.UserID, "error", err)
		return DMFailed
	}
}

// DMText is the message a warned member receives.
func (s *Service) DMText(guildName string, w Warning, total int, action Action) string {
	l := s.ladder
	lines := []string{
		fmt.Sprintf("⚠️ Warning - Strike %d/%d", total, l.Top()),
		fmt.Sprintf("You received a warning in %s.", guildName),
		"Reason: " + w.Reason,
		"Severity: " + strings.ToUpper(string(w.Severity[:1])) + string(w.Severity[1:]),
	}
	if action != ActionWarning && s.enforce {
		lines = append(lines, fmt.Sprintf("This strike brings %s.", l.Describe(action)))
	}
	days := int(l.Window / (24 * time.Hour))
	switch next := l.ActionFor(total + 1); {
	case action == ActionBan && s.enforce:
		lines = append(lines, "What happens next: you are banned from the server; you can appeal to its staff.")
	case next == ActionWarning:
		lines = append(lines, fmt.Sprintf("What happens next: another strike within %d days is another warning.", days))
	default:
		lines = append(lines, fmt.Sprintf("What happens next: another strike within %d days means %s.", days, l.Describe(next)))
	}
	lines = append(lines, fmt.Sprintf("This strike expires on %s. To appeal, contact the server's moderators.",
		w.ExpiresAt.UTC().Format("2006-01-02")))
	return strings.Join(lines, "\n")
}

// apply sends the timeout or ban and records the outcome.
func (s *Service) apply(ctx context.Context, req WarnRequest, res *WarnResult, modID int64, now time.Time) {
	o := outcome{action: res.Action, guildID: req.GuildID, userID: req.UserID, actorID: req.ModeratorID, reason: req.Reason,
		auditReason: AuditReason(req.ModeratorName, req.ModeratorID, res.Total, s.ladder.Top(), req.Reason), modID: modID,
		entry: req.Audit, details: map[string]any{"caseNumber": res.Warning.CaseNumber, "totalWarnings": res.Total}}
	if res.Action == ActionTimeout {
		o.until = now.Add(s.ladder.Timeout)
	}
	res.Enforced, res.EnforceError = s.carryOut(ctx, o)
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
func (s *Service) carryOut(ctx context.Context, o outcome) (enforced bool, msg string) {
	var err error
	details := merged(o.details, nil)
	switch o.action {
	case ActionTimeout:
		details["until"] = o.until.UTC().Format(time.RFC3339)
		err = s.fx.Timeout(ctx, o.guildID, o.userID, o.until, o.auditReason)
	case ActionBan:
		err = s.fx.Ban(ctx, o.guildID, o.userID, o.auditReason)
	}
	status := "applied"
	if err != nil {
		status, msg = "failed", enforceFailure(o.action, err)
		s.log.Warn("Moderation enforcement failed", "userId", o.userID, "guildId", o.guildID,
			"action", string(o.action), "error", err)
		details["error"] = msg
	}
	details["ok"] = err == nil
	s.recordOutcome(ctx, o, status, err == nil, msg, details)
	return err == nil, msg
}

// recordOutcome stores what became of o on its user_moderation row and
// writes its audit record (the outcome phase of the action), in one
// transaction.
func (s *Service) recordOutcome(ctx context.Context, o outcome, status string, enforced bool, msg string, details map[string]any) {
	e := o.entry
	e.EventID, e.GuildID, e.ActionType, e.ActorID, e.TargetID, e.Reason = "", o.guildID, string(o.action), o.actorID, o.userID, o.reason
	e.Details = merged(merged(e.Details, details), map[string]any{"phase": "outcome", "moderationId": o.modID})
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE user_moderation SET status = $3, enforced = $4, error = $5
			WHERE guild_id = $1 AND id = $2`, o.guildID, o.modID, status, enforced, nullable(msg)); err != nil {
			return err
		}
		return audit.Insert(ctx, tx, e)
	})
	if err != nil {
		s.log.Error("Could not record the enforcement outcome", "userId", o.userID, "action", string(o.action), "error", err)
	}
}

// enforceFailure says in a sentence why Discord refused an action.
func enforceFailure(a Action, err error) string {
	if errors.Is(err, ErrForbidden) {
		return fmt.Sprintf("The %s was not applied: Discord refused (missing permissions: the bot needs %s and a role above the member's).",
			a, map[Action]string{ActionTimeout: "Moderate Members", ActionBan: "Ban Members", ActionUntimeout: "Moderate Members", ActionUnban: "Ban Members"}[a])
	}
	return clip(fmt.Sprintf("The %s was not applied: %v.", a, err), 1000)
}

func (s *Service) exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.pool.Exec(ctx, sql, args...)
	return err
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
