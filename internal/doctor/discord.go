package doctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordhttp"
)

// needed are the permissions the bot needs in every guild.
var needed = []struct {
	bit  int64
	name string
	ui   string
}{
	{discordgo.PermissionModerateMembers, "MODERATE_MEMBERS", "Timeout Members"},
	{discordgo.PermissionBanMembers, "BAN_MEMBERS", "Ban Members"},
	{discordgo.PermissionSendMessages, "SEND_MESSAGES", "Send Messages"},
}

// staff can moderate others; outranking the bot is expected of them.
const staff = discordgo.PermissionAdministrator | discordgo.PermissionBanMembers | discordgo.PermissionModerateMembers

// CheckDiscord checks the token (GET /users/@me) and, in every guild the
// bot is in (GET /users/@me/guilds, or DISCORD_GUILD_ID alone), the bot's permissions and
// its top role against every member's.
func CheckDiscord(ctx context.Context, cfg *config.Config, logger *slog.Logger) []Result {
	return checkDiscord(ctx, cfg, nil, logger)
}

// checkDiscord is CheckDiscord plus, with ml, each guild's mod-log channel.
func checkDiscord(ctx context.Context, cfg *config.Config, ml modLogs, logger *slog.Logger) []Result {
	r := &Report{}
	const tokenCheck = "Discord token valid"
	if cfg.DiscordToken == "" {
		r.add(Fail, tokenCheck, "DISCORD_TOKEN is not set", "set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) to the bot token from the developer portal")
		return r.Results
	}
	s, err := discordhttp.NewSession(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, logger)
	if err != nil {
		r.add(Fail, tokenCheck, err.Error(), "check DISCORD_API_URL")
		return r.Results
	}
	me, err := s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		var re *discordgo.RESTError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
			r.add(Fail, tokenCheck, "Discord refuses the token (401)", "reset the token in the developer portal (Bot → Reset Token) and update DISCORD_TOKEN")
		} else {
			r.add(Fail, tokenCheck, err.Error(), "check the network path to "+cfg.DiscordAPIURL)
		}
		return r.Results
	}
	r.add(Pass, tokenCheck, fmt.Sprintf("the bot is %s (%s)", me.Username, me.ID), "")
	checkMessageIntent(ctx, r, s, cfg)

	guilds, err := guildIDs(ctx, s, cfg.DiscordGuildID)
	if err != nil {
		r.add(Fail, "guilds", err.Error(), "check the network path to "+cfg.DiscordAPIURL+" and that the bot is invited to the server")
		return r.Results
	}
	if len(guilds) == 0 {
		r.add(Warn, "guilds", "the bot is in no server", "invite the bot (OAuth2 URL generator: bot + applications.commands)")
	}
	for _, gid := range guilds {
		checkGuild(ctx, r, s, ml, gid, me.ID, cfg.ModerateMessages)
	}
	return r.Results
}

// guildsPage is the most guilds Get Current User Guilds returns per call.
const guildsPage = 200

// guildIDs returns only when given one, else every guild the bot is in.
// It asks REST (Get Current User Guilds, sorted by id, paged with
// after=<the last id seen> until a page comes back short) rather than the
// gateway: on a sharded deployment Discord closes an unsharded session
// (4010/4011), and an IDENTIFY would spend one of the session start limit
// and take a turn in the shard processes' identify bucket.
func guildIDs(ctx context.Context, s *discordgo.Session, only string) ([]string, error) {
	if only != "" {
		return []string{only}, nil
	}
	var ids []string
	after := ""
	for {
		page, err := s.UserGuilds(guildsPage, "", after, false, discordgo.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list the bot's guilds after %q: %w", after, err)
		}
		next := after
		for _, g := range page {
			ids = append(ids, g.ID)
			if snowflakeLess(next, g.ID) {
				next = g.ID
			}
		}
		if len(page) < guildsPage {
			return ids, nil
		}
		if next == after {
			return nil, fmt.Errorf("list the bot's guilds: a full page after %q brought no higher id", after)
		}
		after = next
	}
}

func checkGuild(ctx context.Context, r *Report, s *discordgo.Session, ml modLogs, gid, botID string, moderateMessages bool) {
	g, err := s.Guild(gid, discordgo.WithContext(ctx))
	if err != nil {
		r.add(Fail, "guild "+gid, err.Error(), "check the bot is still in the server")
		return
	}
	name := fmt.Sprintf("guild %q", g.Name)
	roles, err := s.GuildRoles(gid, discordgo.WithContext(ctx))
	if err != nil {
		r.add(Fail, name, "read roles: "+err.Error(), "")
		return
	}
	byID := map[string]*discordgo.Role{}
	for _, ro := range roles {
		byID[ro.ID] = ro
	}
	members, err := guildMembers(ctx, s, gid)
	if err != nil {
		r.add(Fail, name, "list members: "+err.Error(), "enable the Server Members intent (developer portal → Bot → Privileged Gateway Intents)")
		return
	}
	perms := func(m *discordgo.Member) (int64, int, string) {
		var p int64
		if ev := byID[gid]; ev != nil {
			p = ev.Permissions
		}
		top, topName := 0, "@everyone"
		for _, id := range m.Roles {
			if ro := byID[id]; ro != nil {
				p |= ro.Permissions
				if ro.Position > top {
					top, topName = ro.Position, ro.Name
				}
			}
		}
		if p&discordgo.PermissionAdministrator != 0 {
			p = -1
		}
		return p, top, topName
	}
	var bot *discordgo.Member
	for _, m := range members {
		if m.User != nil && m.User.ID == botID {
			bot = m
		}
	}
	if bot == nil {
		if bot, err = s.GuildMember(gid, botID, discordgo.WithContext(ctx)); err != nil {
			r.add(Fail, name, "the bot's membership: "+err.Error(), "")
			return
		}
	}
	botPerms, botTop, botRole := perms(bot)
	checkAutoModPermission(r, name, botPerms, botRole)
	checkMessagePermission(r, name, moderateMessages, botPerms, botRole)
	checkAntiNuke(r, name, botPerms, botTop, botRole, roles)
	checkModLog(ctx, r, s, ml, name, g, roles, bot, botRole)
	var missing, fixes []string
	for _, n := range needed {
		if botPerms&n.bit == 0 {
			missing = append(missing, n.name)
			fixes = append(fixes, n.ui)
		}
	}
	if len(missing) > 0 {
		r.add(Fail, name+" bot permissions", "the bot lacks "+strings.Join(missing, ", "),
			fmt.Sprintf("Server Settings → Roles → %s: enable %s", botRole, strings.Join(fixes, ", ")))
	} else {
		r.add(Pass, name+" bot permissions", "MODERATE_MEMBERS, BAN_MEMBERS, SEND_MESSAGES", "")
	}
	var blocked, outranking []string
	for _, m := range members {
		if m.User == nil || m.User.ID == botID || m.User.ID == g.OwnerID || m.User.Bot {
			continue
		}
		p, top, topName := perms(m)
		if top < botTop {
			continue
		}
		who := fmt.Sprintf("%s (%s, position %d)", m.User.Username, topName, top)
		if p&staff != 0 {
			outranking = append(outranking, who)
		} else {
			blocked = append(blocked, who)
		}
	}
	slices.Sort(blocked)
	check := name + " bot role position"
	switch {
	case len(blocked) > 0:
		r.add(Fail, check, fmt.Sprintf("the bot's top role %s (position %d) is not above %s: timeouts and bans of them fail", botRole, botTop, strings.Join(blocked, ", ")),
			fmt.Sprintf("Server Settings → Roles: drag %s above every member role", botRole))
	case len(outranking) > 0:
		r.add(Warn, check, fmt.Sprintf("staff outrank the bot's role %s and cannot be timed out or banned by it: %s", botRole, strings.Join(outranking, ", ")),
			"expected for admins and moderators; nothing to do unless they should be moderated by the bot")
	default:
		r.add(Pass, check, fmt.Sprintf("the bot's top role %s (position %d) is above every member's", botRole, botTop), "")
	}
}

// membersPage is the most members Discord returns per List Guild Members.
const membersPage = 1000

// guildMembers lists every member of guild gid: List Guild Members returns
// at most 1000, sorted by user id, so it pages with after=<the highest id
// seen> until a page comes back short.
func guildMembers(ctx context.Context, s *discordgo.Session, gid string) ([]*discordgo.Member, error) {
	var all []*discordgo.Member
	after := ""
	for {
		page, err := s.GuildMembers(gid, after, membersPage, discordgo.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < membersPage {
			return all, nil
		}
		next := after
		for _, m := range page {
			if m.User != nil && snowflakeLess(next, m.User.ID) {
				next = m.User.ID
			}
		}
		if next == after {
			return nil, fmt.Errorf("list members: a full page after %q brought no higher user id", after)
		}
		after = next
	}
}

// snowflakeLess reports a < b for decimal snowflakes ("" is the least).
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
