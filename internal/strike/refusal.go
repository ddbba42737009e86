package strike

import "fmt"

// Refusal is why the warning system will not take an action. The service
// says why, with the facts in a RefusalError; the command package words it
// for the moderator.
type Refusal int

// Refusals.
const (
	// RefusedSelf: a moderator tried to warn themselves.
	RefusedSelf Refusal = iota + 1
	// RefusedBot: the member is a bot.
	RefusedBot
	// RefusedBotOwner: the member is a bot owner.
	RefusedBotOwner
	// RefusedGuildOwner: the member owns the server and cannot be warned.
	RefusedGuildOwner
	// RefusedAdministrator: the member is an Administrator.
	RefusedAdministrator
	// RefusedNotMember: the member is not in the server.
	RefusedNotMember
	// RefusedNotBanned: an unban of someone who is not banned.
	RefusedNotBanned
	// RefusedSeverity: the severity is not one of Severities.
	RefusedSeverity
	// RefusedOwnerTarget: the act (Act) is aimed at the server owner.
	RefusedOwnerTarget
	// RefusedAboveActor: the member's highest role is not below the
	// moderator's, so the moderator cannot do Act.
	RefusedAboveActor
	// RefusedAboveBot: the member's highest role is not below the bot's,
	// so the bot could not carry Act out.
	RefusedAboveBot
	// RefusedPermission: the moderator lacks Permission to do Act.
	RefusedPermission
	// RefusedNoCase: there is no case Case in the server.
	RefusedNoCase
	// RefusedPardoned: case Case was already pardoned By, On.
	RefusedPardoned
	// RefusedNoBanAwaiting: case Case has no ban awaiting confirmation.
	RefusedNoBanAwaiting
	// RefusedFailed: Discord refused the reversal; Failure says why.
	RefusedFailed
)

// RefusalError is an action the system will not take: why, and the facts
// the moderator is told.
type RefusalError struct {
	Reason Refusal
	// TargetID is the member the refused action was aimed at, when known.
	TargetID string
	// Act is what the moderator tried to do.
	Act Act
	// Permission is the Discord permission the moderator lacks.
	Permission string
	// Case is the case number; By and On who pardoned it, and when.
	Case int64
	By   string
	On   string // YYYY-MM-DD, UTC
	// Failure is what Discord refused (RefusedFailed).
	Failure *EnforceFailure
}

func (e *RefusalError) Error() string {
	detail := ""
	if e.Failure != nil {
		detail = e.Failure.Error()
	}
	return fmt.Sprintf("refused (%d) on %q: %s", e.Reason, e.TargetID, detail)
}

// Act is what a refused moderator tried to do.
type Act int

// Acts.
const (
	// ActWarn: warn the member (and so apply the ladder's action).
	ActWarn Act = iota + 1
	// ActLiftTimeout: lift the member's timeout.
	ActLiftTimeout
	// ActLiftBan: lift the member's ban.
	ActLiftBan
	// ActConfirmBan: confirm a strike's ban awaiting confirmation.
	ActConfirmBan
)
