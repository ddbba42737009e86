// Package permission is the pipeline's permission guard. The caller's level
// comes from the interaction itself: owner = ADMIN_USER_ID, admin = guild
// Administrator or Manage Guild, moderator = Moderate Members, as Discord
// computed them for the channel. The guard checks every call, whatever the
// command's visibility in Discord, because guild admins can override that.
package permission

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware"
)

// Replies to refused calls.
const (
	DeniedMessage    = "❌ You do not have permission to use this command."
	GuildOnlyMessage = "❌ This command only works in a server, not in direct messages."
)

// Guard resolves levels and refuses calls below the command's level.
type Guard struct {
	owners   []string
	events   middleware.EventSink
	log      *slog.Logger
	onDenied func(command string)
}

// New returns a Guard. owners are the bot owners' user ids. It tags logger
// (default discarded) with its component, PermissionGuard.
func New(owners []string, events middleware.EventSink, logger *slog.Logger, onDenied func(command string)) *Guard {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Guard{owners: owners, events: events, log: logging.Component(logger, "PermissionGuard"), onDenied: onDenied}
}

// IsOwner reports whether userID is a bot owner.
func (g *Guard) IsOwner(userID string) bool { return slices.Contains(g.owners, userID) }

// Level is the level a user with perms has.
func (g *Guard) Level(userID string, perms int64) middleware.Level {
	return Level(g.owners, userID, perms)
}

// Level is the level of a user with perms, given the bot owners' user ids:
// what the Guard gives a caller, for code that judges someone else (the
// target of a command) without a Guard.
func Level(owners []string, userID string, perms int64) middleware.Level {
	switch {
	case slices.Contains(owners, userID):
		return middleware.Owner
	case perms&(middleware.PermAdministrator|middleware.PermManageGuild) != 0:
		return middleware.Admin
	case perms&middleware.PermModerateMembers != 0:
		return middleware.Moderator
	default:
		return middleware.Member
	}
}

// Middleware refuses guild-only commands used in a direct message, sets
// in.Caller and refuses calls below in.Policy.Level. It runs after the rate
// limiter, so a flood of refused calls writes at most the limit's allowance
// of security events.
func (g *Guard) Middleware() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, in *middleware.Interaction) error {
			if in.Policy.GuildOnly && in.GuildID == "" {
				g.refuseDM(in)
				in.Outcome = middleware.OutcomeRefused
				return in.Reply.Respond(ctx, middleware.Response{Content: GuildOnlyMessage, Ephemeral: true})
			}
			in.Caller = g.Level(in.User.ID, in.Permissions)
			if in.Caller >= in.Policy.Level {
				return next(ctx, in)
			}
			g.Deny(in, "permission_denied", in.Policy.Level.String()+" required")
			in.Outcome = middleware.OutcomeDenied
			return in.Reply.Respond(ctx, middleware.Response{Content: DeniedMessage, Ephemeral: true})
		}
	}
}

// Deny logs and records a refused attempt. Components re-checked at click
// time use it too.
func (g *Guard) Deny(in *middleware.Interaction, eventType, why string) {
	top, _, _ := strings.Cut(in.Command, " ")
	g.log.Warn("Permission denied", "userId", in.User.ID, "command", top, "guildId", in.GuildID, "required", why)
	attempted := "/" + in.Command
	if in.Kind != middleware.KindCommand {
		attempted = "component " + in.CustomID
	}
	if g.events != nil {
		g.events.Security(audit.SecurityEvent{
			EventType: eventType,
			Severity:  audit.Medium,
			GuildID:   in.GuildID,
			ActorID:   in.User.ID,
			Attempted: attempted,
			Details:   map[string]any{"required": why, "callerLevel": in.Caller.String()},
		})
	}
	if g.onDenied != nil {
		g.onDenied(top)
	}
}

// refuseDM logs and records a guild-only command used in a direct message.
func (g *Guard) refuseDM(in *middleware.Interaction) {
	attempted := "/" + in.Command + " in a direct message"
	g.log.Warn("Security event", "eventType", "guild_only_in_dm", "userId", in.User.ID, "attempted", attempted)
	if g.events != nil {
		g.events.Security(audit.SecurityEvent{EventType: "guild_only_in_dm", Severity: audit.Low,
			ActorID: in.User.ID, Attempted: attempted})
	}
}
