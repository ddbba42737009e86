package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/store"
)

// modLogNeeds are what the bot does in a guild's mod-log channel: see it,
// post warnings and alerts as embeds, and read a warning's post back
// before editing it once its queued DM settles (Get Channel Message).
var modLogNeeds = []struct {
	bit int64
	ui  string
}{
	{discordgo.PermissionViewChannel, "View Channel"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
}

// modLogs gives a guild's mod-log channel (store.ErrNotFound when it has
// none); *store.Store is one.
type modLogs interface {
	ModLog(ctx context.Context, guildID string) (string, error)
}

// checkModLog checks, when guild g has a mod-log channel, that the bot
// holds modLogNeeds in it. It reads the channel's permission_overwrites
// (GET /channels/{id}) and computes the bot's permissions there itself:
// doctor keeps no gateway state.
func checkModLog(ctx context.Context, r *Report, s *discordgo.Session, ml modLogs, name string, g *discordgo.Guild, roles []*discordgo.Role, bot *discordgo.Member, botRole string) {
	if ml == nil {
		return
	}
	check := name + " mod-log channel"
	chID, err := ml.ModLog(ctx, g.ID)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err != nil {
		r.add(Fail, check, err.Error(), "check the database")
		return
	}
	ch, err := s.Channel(chID, discordgo.WithContext(ctx))
	var re *discordgo.RESTError
	status := 0
	if errors.As(err, &re) && re.Response != nil {
		status = re.Response.StatusCode
	}
	var missing []string
	switch {
	case status == http.StatusNotFound:
		r.add(Fail, check, fmt.Sprintf("the mod-log channel %s no longer exists", chID), "/security modlog in the channel you want")
		return
	case status == http.StatusForbidden:
		// Discord answers Missing Access for a channel the bot cannot see.
		missing = []string{"View Channel"}
	case err != nil:
		r.add(Fail, check, fmt.Sprintf("read the mod-log channel %s: %v", chID, err), "check the network path to Discord")
		return
	default:
		p := channelPermissions(g.ID, g.OwnerID, bot.User.ID, bot.Roles, roles, ch.PermissionOverwrites)
		for _, n := range modLogNeeds {
			if p&n.bit == 0 {
				missing = append(missing, n.ui)
			}
		}
	}
	if len(missing) == 0 {
		r.add(Pass, check, fmt.Sprintf("the bot has View Channel, Send Messages, Embed Links, Read Message History in channel %s", chID), "")
		return
	}
	fix := fmt.Sprintf("channel settings → Permissions → the bot's role: allow %s (the bot's role is %s)", strings.Join(missing, ", "), botRole)
	if ch != nil && slices.ContainsFunc(ch.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
		return o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == bot.User.ID && o.Deny != 0
	}) {
		fix += "; and remove the denials on the bot's own member overwrite"
	}
	r.add(Fail, check, fmt.Sprintf("the bot lacks %s in the mod-log channel %s: warnings and alerts there fail", strings.Join(missing, ", "), chID), fix)
}

// channelPermissions is userID's permissions in a guild channel with the
// given overwrites, as Discord's "Permissions" topic computes them: the
// base permissions of @everyone and the member's roles (the owner and
// Administrator holders have all), then the @everyone overwrite, the
// member's roles' overwrites combined (denies, then allows) and the
// member's own overwrite; then the implicit denials (no View Channel
// hides the channel, no Send Messages drops what rides on a message).
func channelPermissions(guildID, ownerID, userID string, memberRoles []string, roles []*discordgo.Role, overwrites []*discordgo.PermissionOverwrite) int64 {
	if userID == ownerID {
		return discordgo.PermissionAll
	}
	var p int64
	for _, ro := range roles {
		if ro.ID == guildID || slices.Contains(memberRoles, ro.ID) {
			p |= ro.Permissions
		}
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	apply := func(match func(o *discordgo.PermissionOverwrite) bool) {
		var allow, deny int64
		for _, o := range overwrites {
			if match(o) {
				allow |= o.Allow
				deny |= o.Deny
			}
		}
		p = p&^deny | allow
	}
	apply(func(o *discordgo.PermissionOverwrite) bool { return o.ID == guildID })
	apply(func(o *discordgo.PermissionOverwrite) bool {
		return o.ID != guildID && o.Type == discordgo.PermissionOverwriteTypeRole && slices.Contains(memberRoles, o.ID)
	})
	apply(func(o *discordgo.PermissionOverwrite) bool {
		return o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == userID
	})
	if p&discordgo.PermissionViewChannel == 0 {
		return 0
	}
	if p&discordgo.PermissionSendMessages == 0 {
		p &^= discordgo.PermissionMentionEveryone | discordgo.PermissionSendTTSMessages | discordgo.PermissionAttachFiles | discordgo.PermissionEmbedLinks
	}
	return p
}
