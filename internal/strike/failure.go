package strike

import (
	"errors"
	"fmt"
)

// Failure is why a timeout, ban or reversal was not applied. The service
// says why, with the facts in an EnforceFailure; the command package words
// it for the moderator.
type Failure int

// Failures.
const (
	// FailedForbidden: Discord refused for missing permissions or role
	// order; the bot needs Permission and a role above the member's.
	FailedForbidden Failure = iota + 1
	// FailedDiscord: Discord refused for another reason; Detail is its
	// error.
	FailedDiscord
	// FailedWithheld: the moderator lacks Permission, so the action was not
	// applied (a timeout).
	FailedWithheld
	// FailedAwaitingConfirmation: the moderator lacks Permission, so the
	// ban was posted to the mod log with a Confirm ban button instead.
	FailedAwaitingConfirmation
	// FailedNoModLog: the moderator lacks Permission and no mod log could
	// ask for a confirmation, so the ban was not applied.
	FailedNoModLog
)

// EnforceFailure is a timeout, ban or reversal that was not applied: why,
// and the facts the moderator is told.
type EnforceFailure struct {
	Action Action
	Reason Failure
	// Permission is the Discord permission the bot needs (FailedForbidden)
	// or the moderator lacks (the withheld reasons).
	Permission string
	// Detail is Discord's error (FailedDiscord).
	Detail string
}

// Error is the failure as recorded: in user_moderation.error, the outcome's
// audit details and the mod log.
func (f *EnforceFailure) Error() string {
	switch f.Reason {
	case FailedForbidden:
		return fmt.Sprintf("The %s was not applied: Discord refused (missing permissions: the bot needs %s and a role above the member's).",
			f.Action, f.Permission)
	case FailedDiscord:
		return clip(fmt.Sprintf("The %s was not applied: %s.", f.Action, f.Detail), 1000)
	}
	return fmt.Sprintf("not applied: the moderator lacks %s", f.Permission)
}

// botPermission is the Discord permission the bot needs for an action.
var botPermission = map[Action]string{ActionTimeout: permModerate, ActionBan: permBan,
	ActionUntimeout: permModerate, ActionUnban: permBan}

// enforceFailure says why Discord refused an action.
func enforceFailure(a Action, err error) *EnforceFailure {
	if errors.Is(err, ErrForbidden) {
		return &EnforceFailure{Action: a, Reason: FailedForbidden, Permission: botPermission[a]}
	}
	return &EnforceFailure{Action: a, Reason: FailedDiscord, Detail: err.Error()}
}
