// Package strike is the warning system: a strike ladder over a rolling
// window (each strike carries its own expiry), exactly-once warnings with
// per-guild case numbers, pardons, and the timeouts and bans the ladder
// calls for. It runs no SQL and knows no Discord: the wiring supplies the
// database through Store (internal/store) and the Discord side through
// Directory (who outranks whom) and Effects (DMs, timeouts, bans), so safe
// mode, hierarchy refusals and failures are decided here and tested without
// a gateway.
package strike

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/textcut"
)

// Severity is how serious a warning is, as the seed names it.
type Severity string

// Severities.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists the accepted severities, mildest first.
var Severities = []string{string(Low), string(Medium), string(High), string(Critical)}

// Action is what a rung of the ladder does besides recording the warning.
type Action string

// Actions. The first three are the ladder's rungs (config.Rung);
// ActionUntimeout and ActionUnban are reversals, never rungs.
const (
	ActionWarning   Action = Action(config.RungWarning)
	ActionTimeout   Action = Action(config.RungTimeout)
	ActionBan       Action = Action(config.RungBan)
	ActionUntimeout Action = "untimeout"
	ActionUnban     Action = "unban"
)

// Defaults from the seed's strike thresholds.
const (
	DefaultWindow  = 30 * 24 * time.Hour
	DefaultTimeout = 24 * time.Hour
	// MaxTimeout is Discord's limit on communication_disabled_until.
	MaxTimeout = 28 * 24 * time.Hour
	// DoubleSubmitWindow is how close two identical warnings must be to
	// count as one double-submitted warning.
	DoubleSubmitWindow = 10 * time.Second
	// MaxAuditReason is Discord's limit on X-Audit-Log-Reason.
	MaxAuditReason = 512
)

// Ladder maps active strike counts to actions: Rungs[0] applies at one
// active strike, Rungs[1] at two, and past the top the top rung applies
// again.
type Ladder struct {
	Rungs []Action
	// Window is how long a strike stays active.
	Window time.Duration
	// Timeout is how long a Timeout rung lasts.
	Timeout time.Duration
}

// DefaultLadder is the seed's: 1 = warning + DM, 2 = + 24 h timeout,
// 3 = + permanent ban; 30-day rolling window.
func DefaultLadder() Ladder {
	return Ladder{Rungs: []Action{ActionWarning, ActionTimeout, ActionBan}, Window: DefaultWindow, Timeout: DefaultTimeout}
}

// NewLadder builds a ladder from configuration: the rungs config parsed
// (none for the default), the window and the timeout length (zero for the
// defaults).
func NewLadder(rungs []config.Rung, window, timeout time.Duration) (Ladder, error) {
	l := Ladder{Window: window, Timeout: timeout}
	for _, r := range rungs {
		l.Rungs = append(l.Rungs, Action(r))
	}
	if l.Timeout > MaxTimeout {
		return Ladder{}, fmt.Errorf("strike ladder: a %s timeout is longer than Discord's 28 days", l.Timeout)
	}
	return l.withDefaults(), nil
}

// withDefaults fills zero fields from DefaultLadder.
func (l Ladder) withDefaults() Ladder {
	d := DefaultLadder()
	if len(l.Rungs) == 0 {
		l.Rungs = d.Rungs
	}
	if l.Window <= 0 {
		l.Window = d.Window
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Top is the number of rungs: the N of "Strike n/N".
func (l Ladder) Top() int { return len(l.Rungs) }

// ActionFor returns the action at active strike count n (n ≥ 1).
func (l Ladder) ActionFor(n int) Action {
	if n < 1 || len(l.Rungs) == 0 {
		return ActionWarning
	}
	return l.Rungs[min(n, len(l.Rungs))-1]
}

// Member is what the warning system needs to know about a guild member to
// decide whether they may be warned.
type Member struct {
	UserID        string
	Bot           bool
	Administrator bool
	// TopPosition is the position of the member's highest role (0 when
	// they only have @everyone).
	TopPosition int
	// BanMembers and ModerateMembers are the member's guild permissions as
	// Discord computes them from their roles (Administrator implies every
	// permission). The Service grants both to the guild owner, who holds
	// every permission without any role.
	BanMembers, ModerateMembers bool
}

// Guild is what the warning system needs to know about a guild.
type Guild struct {
	ID, Name, OwnerID string
	// BotID is the bot's own user id.
	BotID string
}

// ErrNotMember is returned by a Directory for a user who is not in the guild.
var ErrNotMember = errors.New("not a member of the guild")

// Directory looks up guilds and members (the wiring reads Discord).
type Directory interface {
	Guild(ctx context.Context, guildID string) (Guild, error)
	Member(ctx context.Context, guildID, userID string) (Member, error)
}

// Errors an Effects implementation wraps so that the warning system can say
// what went wrong.
var (
	// ErrDMClosed: the member does not accept direct messages (Discord 50007).
	ErrDMClosed = errors.New("the member does not accept direct messages")
	// ErrQueued: Discord could not take the message now (429 or 5xx); it
	// is queued and sent again until it is delivered.
	ErrQueued = errors.New("queued for delivery")
	// ErrForbidden: Discord refused for missing permissions or hierarchy
	// (50013).
	ErrForbidden = errors.New("missing permissions")
	// ErrUnknown: the member or ban does not exist (10007, 10026).
	ErrUnknown = errors.New("unknown member or ban")
)

// DM is a direct message to a member, as data: a warning, or the ban its
// staff confirmed (Ban). The Discord side words it.
type DM struct {
	UserID    string
	GuildName string
	// GuildID and WarningID name the warning a warning DM is about (zero
	// in a ban DM): a DM queued for later reports its outcome to it
	// (Service.SettleDM).
	GuildID   string
	WarningID int64
	// Ban: the DM tells the member that the ban of case Case was confirmed
	// and carried out; otherwise it tells them of the warning.
	Ban bool
	// Case is the warning's case number; Total its strike count.
	Case     int64
	Total    int
	Reason   string
	Severity Severity
	// ExpiresAt is when the warning stops counting.
	ExpiresAt time.Time
	// Brings is the ladder's action this strike applies, as the DM
	// announces it: ActionWarning when none is (a warning, safe mode, or an
	// action withheld from a moderator who lacks the permission).
	Brings Action
	// Ladder is the ladder in force: the N of "Strike n/N", the window and
	// what another strike brings.
	Ladder Ladder
}

// LogEntry is one mod-log post, as data: what happened (Kind) and its
// facts. The Discord side words it and shows the members as mentions.
type LogEntry struct {
	ChannelID string
	// GuildID and WarningID name the warning a warning's post reports
	// (zero for other posts): a post queued for later records its message
	// with the warning (Service.ModLogPosted).
	GuildID   string
	WarningID int64
	Kind      LogKind
	// MemberID is the member concerned; ModeratorID the staff member who
	// warned, pardoned or lifted.
	MemberID, ModeratorID string
	// Case is the warning's case number (warnings, pardons).
	Case   int64
	Reason string
	// Severity is the warning's severity (warnings).
	Severity Severity
	// Total is the member's active strikes after the warning or pardon,
	// out of Top.
	Total, Top int
	// Action is the ladder's action (warnings) or the reversal (lifts).
	Action Action
	// SafeMode: the warning's action was only recorded.
	SafeMode bool
	// MissingPermission is the permission the moderator lacks for the
	// warning's action, which was not applied (a ban awaits ConfirmBan).
	MissingPermission string
	// Failure is why Discord did not apply the warning's action.
	Failure *EnforceFailure
	// DMStatus is what became of the warning's DM.
	DMStatus DMStatus
	// Severe colours the post as a timeout or ban.
	Severe bool
	// ConfirmBan, when set, adds a Confirm ban button for a ban the strike's
	// moderator could not give (see Service.ConfirmBan).
	ConfirmBan *BanConfirmation
}

// LogKind is what a mod-log post reports.
type LogKind int

// Mod-log posts.
const (
	// LogWarning: a warning was given (with its action's outcome).
	LogWarning LogKind = iota + 1
	// LogPardon: case Case was pardoned.
	LogPardon
	// LogLift: a timeout or ban (Action) was lifted.
	LogLift
)

// BanConfirmation names the ban a Confirm ban button asks for: the button is
// bound to the guild, the member and the strike's case.
type BanConfirmation struct {
	GuildID, UserID string
	Case            int64
	// Total is the strike count the case brought ("Strike 3/3" in the
	// audit-log reason of the ban).
	Total int
}

// Effects are the warning system's effects outside the database. Each
// moderation call carries an audit-log reason of at most MaxAuditReason
// bytes.
type Effects interface {
	SendDM(ctx context.Context, dm DM) error
	Timeout(ctx context.Context, guildID, userID string, until time.Time, auditReason string) error
	Untimeout(ctx context.Context, guildID, userID, auditReason string) error
	Ban(ctx context.Context, guildID, userID, auditReason string) error
	Unban(ctx context.Context, guildID, userID, auditReason string) error
	// PostModLog posts e and returns its message id ("" when the post was
	// queued: ErrQueued).
	PostModLog(ctx context.Context, e LogEntry) (messageID string, err error)
	// EditModLogDM shows status on the DM line of a warning's post,
	// leaving the rest of the post as it is.
	EditModLogDM(ctx context.Context, channelID, messageID string, status DMStatus) error
}

// AuditReason builds an X-Audit-Log-Reason naming the moderator, the reason
// and the strike count, cut to MaxAuditReason bytes on a rune boundary.
func AuditReason(moderator, moderatorID string, strikes, top int, reason string) string {
	prefix := fmt.Sprintf("Strike %d/%d by %s (%s): ", strikes, top, moderator, moderatorID)
	if strikes == 0 {
		prefix = fmt.Sprintf("By %s (%s): ", moderator, moderatorID)
	}
	return clip(prefix+reason, MaxAuditReason)
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string { return textcut.Bytes(s, n) }
