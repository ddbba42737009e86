package command

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/strike"
)

func TestFailureText(t *testing.T) {
	long := strings.Repeat("x", 1200)
	tests := []struct {
		name string
		f    *strike.EnforceFailure
		want string
	}{
		{"timeout forbidden", &strike.EnforceFailure{Action: strike.ActionTimeout, Reason: strike.FailedForbidden, Permission: "Moderate Members"},
			"The timeout was not applied: Discord refused (missing permissions: the bot needs Moderate Members and a role above the member's)."},
		{"ban forbidden", &strike.EnforceFailure{Action: strike.ActionBan, Reason: strike.FailedForbidden, Permission: "Ban Members"},
			"The ban was not applied: Discord refused (missing permissions: the bot needs Ban Members and a role above the member's)."},
		{"unban refused", &strike.EnforceFailure{Action: strike.ActionUnban, Reason: strike.FailedDiscord, Detail: "HTTP 500 Internal Server Error"},
			"The unban was not applied: HTTP 500 Internal Server Error."},
		{"long detail clipped", &strike.EnforceFailure{Action: strike.ActionBan, Reason: strike.FailedDiscord, Detail: long},
			("The ban was not applied: " + long)[:1000]},
		{"timeout withheld", &strike.EnforceFailure{Action: strike.ActionTimeout, Reason: strike.FailedWithheld, Permission: "Moderate Members"},
			"The timeout was not applied: you need the Moderate Members permission to time members out."},
		{"ban awaiting confirmation", &strike.EnforceFailure{Action: strike.ActionBan, Reason: strike.FailedAwaitingConfirmation, Permission: "Ban Members"},
			"The ban was not applied: you need the Ban Members permission to ban. An admin must confirm it with the Confirm ban button in the mod log."},
		{"ban without a mod log", &strike.EnforceFailure{Action: strike.ActionBan, Reason: strike.FailedNoModLog, Permission: "Ban Members"},
			"The ban was not applied: you need the Ban Members permission to ban. No mod-log channel is set (`/security modlog`) to ask an admin in: ask a member with Ban Members to ban them."},
		{"applied", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, failureText(tt.f)); diff != "" {
				t.Errorf("failureText mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFailureTextMatchesRecord: where a failure is both recorded (the
// user_moderation row, the mod log) and told to the moderator, the two say
// the same.
func TestFailureTextMatchesRecord(t *testing.T) {
	for _, f := range []*strike.EnforceFailure{
		{Action: strike.ActionTimeout, Reason: strike.FailedForbidden, Permission: "Moderate Members"},
		{Action: strike.ActionUnban, Reason: strike.FailedForbidden, Permission: "Ban Members"},
		{Action: strike.ActionBan, Reason: strike.FailedDiscord, Detail: strings.Repeat("é", 600)},
	} {
		if diff := cmp.Diff(f.Error(), failureText(f)); diff != "" {
			t.Errorf("%+v: mismatch (-record +reply):\n%s", *f, diff)
		}
	}
}

func TestRefusalText(t *testing.T) {
	tests := []struct {
		r    strike.RefusalError
		want string
	}{
		{strike.RefusalError{Reason: strike.RefusedSelf}, "❌ You cannot warn yourself."},
		{strike.RefusalError{Reason: strike.RefusedBot, TargetID: "7"}, "❌ Bots cannot be warned."},
		{strike.RefusalError{Reason: strike.RefusedBotOwner, TargetID: "7"}, "❌ <@7> is the bot owner and cannot be warned."},
		{strike.RefusalError{Reason: strike.RefusedGuildOwner, TargetID: "7"}, "❌ <@7> owns this server and cannot be warned."},
		{strike.RefusalError{Reason: strike.RefusedAdministrator, TargetID: "7"}, "❌ <@7> is an Administrator and cannot be warned."},
		{strike.RefusalError{Reason: strike.RefusedNotMember, TargetID: "7"}, "❌ <@7> is not a member of this server."},
		{strike.RefusalError{Reason: strike.RefusedNotBanned, TargetID: "7"}, "❌ <@7> is not banned from this server."},
		{strike.RefusalError{Reason: strike.RefusedSeverity}, "❌ `severity` must be one of: low, medium, high, critical."},
		{strike.RefusalError{Reason: strike.RefusedOwnerTarget, TargetID: "7", Act: strike.ActWarn}, "❌ <@7> owns this server, so you cannot warn them."},
		{strike.RefusalError{Reason: strike.RefusedOwnerTarget, TargetID: "7", Act: strike.ActLiftTimeout},
			"❌ <@7> owns this server, so you cannot lift their timeout."},
		{strike.RefusalError{Reason: strike.RefusedAboveActor, TargetID: "7", Act: strike.ActWarn},
			"❌ <@7>'s highest role is not below yours, so you cannot warn them."},
		{strike.RefusalError{Reason: strike.RefusedAboveActor, TargetID: "7", Act: strike.ActConfirmBan},
			"❌ <@7>'s highest role is not below yours, so you cannot ban them."},
		{strike.RefusalError{Reason: strike.RefusedAboveBot, TargetID: "7", Act: strike.ActWarn},
			"❌ <@7>'s highest role is not below the bot's, so the bot could not act on their strikes. Move the bot's role above theirs first."},
		{strike.RefusalError{Reason: strike.RefusedAboveBot, TargetID: "7", Act: strike.ActLiftTimeout},
			"❌ <@7>'s highest role is not below the bot's, so the bot could not lift their timeout. Move the bot's role above theirs first."},
		{strike.RefusalError{Reason: strike.RefusedAboveBot, TargetID: "7", Act: strike.ActConfirmBan},
			"❌ <@7>'s highest role is not below the bot's, so the bot could not ban them. Move the bot's role above theirs first."},
		{strike.RefusalError{Reason: strike.RefusedPermission, Permission: "Ban Members", Act: strike.ActLiftBan},
			"❌ You need the Ban Members permission to lift a ban."},
		{strike.RefusalError{Reason: strike.RefusedPermission, Permission: "Moderate Members", Act: strike.ActLiftTimeout},
			"❌ You need the Moderate Members permission to lift a timeout."},
		{strike.RefusalError{Reason: strike.RefusedPermission, Permission: "Ban Members", Act: strike.ActConfirmBan},
			"❌ You need the Ban Members permission to confirm a ban."},
		{strike.RefusalError{Reason: strike.RefusedNoCase, Case: 4}, "❌ There is no case #4 in this server."},
		{strike.RefusalError{Reason: strike.RefusedPardoned, Case: 4, By: "8", On: "2026-11-30"},
			"❌ Case #4 was already pardoned by <@8> on 2026-11-30."},
		{strike.RefusalError{Reason: strike.RefusedNoBanAwaiting, Case: 4},
			"❌ Case #4 has no ban awaiting confirmation: it was already handled, or the strike was pardoned."},
		{strike.RefusalError{Reason: strike.RefusedFailed, TargetID: "7",
			Failure: &strike.EnforceFailure{Action: strike.ActionUntimeout, Reason: strike.FailedForbidden, Permission: "Moderate Members"}},
			"❌ The untimeout was not applied: Discord refused (missing permissions: the bot needs Moderate Members and a role above the member's)."},
		{strike.RefusalError{}, "❌ The warning system refused this action."},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, refusalText(&tt.r)); diff != "" {
			t.Errorf("refusalText(%d) mismatch (-want +got):\n%s", tt.r.Reason, diff)
		}
	}
}
