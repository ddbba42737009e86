package discordsim

import (
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// getChannelSeen serves GET /channels/{channel_id} (Resources, "Channel":
// Get Channel) as Discord does for a guild channel the bot cannot see:
// without VIEW_CHANNEL there (its guild permissions with the channel's
// overwrites applied), 403, 50001 Missing Access, the same rule as the
// overwrite routes (overwrites.go). Otherwise the channel with its
// permission_overwrites.
func (s *Server) getChannelSeen(c *reqCtx) {
	s.mu.Lock()
	hidden := false
	if x := s.channels[c.params["channel_id"]]; x != nil {
		if g := s.guildByID[x.ch.GuildID]; g != nil {
			hidden = g.channelPermsLocked(x.ch, s.opts.ApplicationID)&discordgo.PermissionViewChannel == 0
		}
	}
	s.mu.Unlock()
	if hidden {
		c.fail(http.StatusForbidden, CodeMissingAccess, "Missing Access")
		return
	}
	s.getChannel(c)
}
