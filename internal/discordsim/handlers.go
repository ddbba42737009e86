package discordsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

func (s *Server) getGateway(c *reqCtx) {
	c.json(http.StatusOK, map[string]string{"url": s.gatewayURL()})
}

func (s *Server) getGatewayBot(c *reqCtx) {
	c.json(http.StatusOK, map[string]any{"url": s.gatewayURL(), "shards": s.opts.Shards,
		"session_start_limit": s.sessionStartLimit()})
}

func (s *Server) getMe(c *reqCtx) { c.json(http.StatusOK, s.BotUser()) }

func (s *Server) getUser(c *reqCtx) {
	s.mu.Lock()
	u := s.users[c.params["user_id"]]
	s.mu.Unlock()
	if u == nil {
		c.fail(http.StatusNotFound, CodeUnknownUser, "Unknown User")
		return
	}
	c.json(http.StatusOK, copyUser(u))
}

func (s *Server) createDM(c *reqCtx) {
	var req struct {
		RecipientID string `json:"recipient_id"`
	}
	if !c.decode(&req) {
		return
	}
	s.mu.Lock()
	u := s.users[req.RecipientID]
	if u == nil {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, CodeUnknownUser, "Unknown User")
		return
	}
	ch := s.dmByUser[u.ID]
	if ch == nil {
		ch = &channel{ch: &discordgo.Channel{ID: s.newID(), Type: discordgo.ChannelTypeDM, Recipients: []*discordgo.User{copyUser(u)}}}
		s.dmByUser[u.ID] = ch
		s.channels[ch.ch.ID] = ch
	}
	out := *ch.ch
	s.mu.Unlock()
	c.json(http.StatusOK, &out)
}

func (s *Server) checkApp(c *reqCtx) bool {
	if c.params["application_id"] != s.opts.ApplicationID {
		c.violation(Violation{Rule: "unknown-application", Message: "application id " + c.params["application_id"] + " is not the bot's"}, http.StatusForbidden, CodeMissingPermissions, "Missing Access")
		return false
	}
	if gid := c.params["guild_id"]; gid != "" && s.Guild(gid) == nil {
		c.fail(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
		return false
	}
	return true
}

func (s *Server) listCommands(c *reqCtx) {
	if !s.checkApp(c) {
		return
	}
	cmds := s.Commands(c.params["guild_id"])
	if cmds == nil {
		cmds = []*discordgo.ApplicationCommand{}
	}
	c.json(http.StatusOK, cmds)
}

func (s *Server) stampCommand(cmd *discordgo.ApplicationCommand, guildID string, prev []*discordgo.ApplicationCommand) {
	cmd.ApplicationID = s.opts.ApplicationID
	cmd.GuildID = guildID
	if cmd.Type == 0 {
		cmd.Type = discordgo.ChatApplicationCommand
	}
	cmd.ID = ""
	for _, p := range prev {
		if p.Name == cmd.Name && p.Type == cmd.Type {
			cmd.ID = p.ID
		}
	}
	if cmd.ID == "" {
		cmd.ID = s.newID()
	}
	cmd.Version = s.newID()
}

func (s *Server) overwriteCommands(c *reqCtx) {
	if !s.checkApp(c) {
		return
	}
	var cmds []*discordgo.ApplicationCommand
	if !c.decode(&cmds) {
		return
	}
	gid := c.params["guild_id"]
	s.mu.Lock()
	prev := s.commandsLocked(gid)
	seen := map[string]bool{}
	for _, cmd := range cmds {
		key := strconv.Itoa(int(cmd.Type)) + cmd.Name
		if seen[key] {
			s.mu.Unlock()
			c.formError(Violation{Rule: "schema", Message: "duplicate command name " + cmd.Name})
			return
		}
		seen[key] = true
		s.stampCommand(cmd, gid, prev)
	}
	if cmds == nil {
		cmds = []*discordgo.ApplicationCommand{}
	}
	if v := checkContextMenus(cmds); v != nil {
		s.mu.Unlock()
		c.formError(*v)
		return
	}
	s.setCommandsLocked(gid, cmds)
	s.mu.Unlock()
	c.json(http.StatusOK, cmds)
}

func (s *Server) createCommand(c *reqCtx) {
	if !s.checkApp(c) {
		return
	}
	var cmd discordgo.ApplicationCommand
	if !c.decode(&cmd) {
		return
	}
	gid := c.params["guild_id"]
	s.mu.Lock()
	list := s.commandsLocked(gid)
	s.stampCommand(&cmd, gid, list)
	status := http.StatusCreated
	list = slices.DeleteFunc(slices.Clone(list), func(x *discordgo.ApplicationCommand) bool {
		if x.ID == cmd.ID {
			status = http.StatusOK
			return true
		}
		return false
	})
	list = append(list, &cmd)
	if v := checkContextMenus(list); v != nil {
		s.mu.Unlock()
		c.formError(*v)
		return
	}
	s.setCommandsLocked(gid, list)
	s.mu.Unlock()
	c.json(status, &cmd)
}

func (s *Server) deleteCommand(c *reqCtx) {
	if !s.checkApp(c) {
		return
	}
	gid, id := c.params["guild_id"], c.params["command_id"]
	s.mu.Lock()
	list := s.commandsLocked(gid)
	n := len(list)
	list = slices.DeleteFunc(slices.Clone(list), func(x *discordgo.ApplicationCommand) bool { return x.ID == id })
	s.setCommandsLocked(gid, list)
	s.mu.Unlock()
	if len(list) == n {
		c.fail(http.StatusNotFound, CodeUnknownCommand, "Unknown application command")
		return
	}
	c.noContent()
}

func (s *Server) getChannel(c *reqCtx) {
	s.mu.Lock()
	ch := s.channels[c.params["channel_id"]]
	var out *discordgo.Channel
	if ch != nil {
		out = copyChannel(ch.ch)
	}
	s.mu.Unlock()
	if ch == nil {
		c.fail(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	c.json(http.StatusOK, out)
}

func (s *Server) listMessages(c *reqCtx) {
	msgs := s.ChannelMessages(c.params["channel_id"])
	if msgs == nil {
		msgs = []discordgo.Message{}
	}
	slices.Reverse(msgs) // newest first, as Discord lists them
	c.json(http.StatusOK, msgs)
}

func (s *Server) createMessage(c *reqCtx) {
	var data messagePayload
	if !c.decode(&data) {
		return
	}
	s.mu.Lock()
	ch := s.channels[c.params["channel_id"]]
	if ch == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	if ch.ch.Type == discordgo.ChannelTypeDM && s.refuseDM[ch.ch.Recipients[0].ID] {
		s.mu.Unlock()
		c.fail(http.StatusForbidden, CodeCannotDMUser, "Cannot send messages to this user")
		return
	}
	s.mu.Unlock()
	if !c.checkMessage(&data, defaultFileMax) {
		return
	}
	if data.empty() && len(c.files) == 0 {
		c.fail(http.StatusBadRequest, 50006, "Cannot send an empty message")
		return
	}
	m := s.storeMessage(ch.ch.ID, ch.ch.GuildID, &data, c.files)
	if ch.ch.GuildID != "" {
		s.gw.dispatch(s, s.shardFor(ch.ch.GuildID), "MESSAGE_CREATE", m)
	} else {
		s.gw.dispatch(s, 0, "MESSAGE_CREATE", m)
	}
	c.json(http.StatusOK, m)
}

// storeMessage keeps a bot message in a channel and returns a copy of it.
func (s *Server) storeMessage(channelID, guildID string, data *messagePayload, files []File) *discordgo.Message {
	m := data.toMessage()
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID, m.ChannelID, m.GuildID = s.newID(), channelID, guildID
	m.Author = copyUser(s.bot)
	m.Timestamp = s.clock.Now().UTC()
	m.Attachments = s.storeFilesLocked(files)
	if ch := s.channels[channelID]; ch != nil {
		ch.messages = append(ch.messages, m)
	}
	c := *m
	return &c
}

func (s *Server) storeFilesLocked(files []File) []*discordgo.MessageAttachment {
	out := []*discordgo.MessageAttachment{}
	for _, f := range files {
		id := s.newID()
		s.attach[id] = f
		out = append(out, &discordgo.MessageAttachment{ID: id, Filename: f.Name, ContentType: f.ContentType, Size: len(f.Data), URL: s.url + "/attachments/" + id + "/" + f.Name, ProxyURL: s.url + "/attachments/" + id + "/" + f.Name})
	}
	return out
}

func (s *Server) guildOr404(c *reqCtx) *Guild {
	g := s.Guild(c.params["guild_id"])
	if g == nil {
		c.fail(http.StatusNotFound, CodeUnknownGuild, "Unknown Guild")
	}
	return g
}

func (s *Server) getGuild(c *reqCtx) {
	if g := s.guildOr404(c); g != nil {
		p := s.guildPayload(g)
		delete(p, "members")
		delete(p, "channels")
		c.json(http.StatusOK, p)
	}
}

func (s *Server) getRoles(c *reqCtx) {
	if g := s.guildOr404(c); g != nil {
		c.json(http.StatusOK, g.Roles())
	}
}

func (s *Server) getChannels(c *reqCtx) {
	if g := s.guildOr404(c); g != nil {
		c.json(http.StatusOK, s.guildPayload(g)["channels"])
	}
}

func (s *Server) listMembers(c *reqCtx) {
	g := s.guildOr404(c)
	if g == nil {
		return
	}
	limit := 1
	if l := c.r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			c.formError(Violation{Rule: "schema", InstancePath: "/limit", Message: "limit must be 1-1000"})
			return
		}
		limit = n
	}
	after := c.r.URL.Query().Get("after")
	s.mu.Lock()
	out := []*discordgo.Member{}
	for _, id := range g.order {
		ms := g.members[id]
		if ms == nil || (after != "" && snowflakeLess(id, after, true)) {
			continue
		}
		if len(out) < limit {
			out = append(out, g.memberPayloadLocked(ms))
		}
	}
	s.mu.Unlock()
	c.json(http.StatusOK, out)
}

// snowflakeLess reports a < b (or a <= b when orEqual) for decimal snowflakes.
func snowflakeLess(a, b string, orEqual bool) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	if orEqual {
		return a <= b
	}
	return a < b
}

func (s *Server) memberOr404(c *reqCtx) (*Guild, *memberState) {
	g := s.guildOr404(c)
	if g == nil {
		return nil, nil
	}
	s.mu.Lock()
	ms := g.members[c.params["user_id"]]
	s.mu.Unlock()
	if ms == nil {
		c.fail(http.StatusNotFound, CodeUnknownMember, "Unknown Member")
		return nil, nil
	}
	return g, ms
}

func (s *Server) getMember(c *reqCtx) {
	g, ms := s.memberOr404(c)
	if g == nil {
		return
	}
	s.mu.Lock()
	m := g.memberPayloadLocked(ms)
	s.mu.Unlock()
	c.json(http.StatusOK, m)
}

func (s *Server) missingPermissions(c *reqCtx, why string) {
	c.fail(http.StatusForbidden, CodeMissingPermissions, "Missing Permissions")
	s.logger.Info("discordsim missing permissions", "route", c.routeName(), "reason", why)
}

func (s *Server) modifyMember(c *reqCtx) {
	g, ms := s.memberOr404(c)
	if g == nil {
		return
	}
	var raw map[string]json.RawMessage
	if !c.decode(&raw) {
		return
	}
	target := c.params["user_id"]
	now := s.clock.Now()
	var until *time.Time
	timeoutSet := false
	if v, ok := raw["communication_disabled_until"]; ok {
		timeoutSet = true
		if string(v) != "null" {
			var t time.Time
			if err := json.Unmarshal(v, &t); err != nil {
				c.formError(Violation{Rule: "schema", InstancePath: "/communication_disabled_until", Message: "not an ISO8601 timestamp"})
				return
			}
			if t.After(now.Add(28 * 24 * time.Hour)) {
				c.formError(Violation{Rule: "limit", InstancePath: "/communication_disabled_until", Message: "communication_disabled_until cannot be more than 28 days in the future"})
				return
			}
			until = &t
		}
	}
	var roles []string
	_, setRoles := raw["roles"]
	if setRoles {
		_ = json.Unmarshal(raw["roles"], &roles)
	}
	var nick *string
	if v, ok := raw["nick"]; ok {
		var n string
		_ = json.Unmarshal(v, &n)
		nick = &n
	}
	reason := c.auditReason()
	s.mu.Lock()
	if timeoutSet && !g.canModerateLocked(target, discordgo.PermissionModerateMembers) {
		s.mu.Unlock()
		s.missingPermissions(c, "timeout")
		return
	}
	if setRoles && (g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionManageRoles == 0 || target == g.OwnerID) {
		s.mu.Unlock()
		s.missingPermissions(c, "roles")
		return
	}
	if nick != nil && g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionManageNicknames == 0 {
		s.mu.Unlock()
		s.missingPermissions(c, "nick")
		return
	}
	action := "member-update"
	if timeoutSet {
		ms.timeout = until
		action = "timeout"
		if until == nil || !until.After(now) {
			action = "untimeout"
		}
	}
	if setRoles {
		ms.roles = roles
	}
	if nick != nil {
		ms.nick = *nick
	}
	s.auditLocked(g, AuditEntry{Action: action, TargetID: target, Reason: reason, At: now})
	m := g.memberPayloadLocked(ms)
	s.mu.Unlock()
	m.GuildID = g.ID
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", m)
	c.json(http.StatusOK, m)
}

func (s *Server) kickMember(c *reqCtx) {
	g, ms := s.memberOr404(c)
	if g == nil {
		return
	}
	target := c.params["user_id"]
	s.mu.Lock()
	if !g.canModerateLocked(target, discordgo.PermissionKickMembers) {
		s.mu.Unlock()
		s.missingPermissions(c, "kick")
		return
	}
	delete(g.members, target)
	s.auditLocked(g, AuditEntry{Action: "kick", TargetID: target, Reason: c.auditReason(), At: s.clock.Now()})
	u := copyUser(ms.user)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	c.noContent()
}

type banPayload struct {
	User   *discordgo.User `json:"user"`
	Reason *string         `json:"reason"`
}

func (s *Server) listBans(c *reqCtx) {
	g := s.guildOr404(c)
	if g == nil {
		return
	}
	out := []banPayload{}
	for _, b := range s.Bans(g.ID) {
		out = append(out, s.banPayload(b))
	}
	c.json(http.StatusOK, out)
}

func (s *Server) banPayload(b BanRecord) banPayload {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := banPayload{User: &discordgo.User{ID: b.UserID}}
	if u := s.users[b.UserID]; u != nil {
		p.User = copyUser(u)
	}
	if b.Reason != "" {
		r := b.Reason
		p.Reason = &r
	}
	return p
}

func (s *Server) getBan(c *reqCtx) {
	g := s.guildOr404(c)
	if g == nil {
		return
	}
	b, ok := s.Ban(g.ID, c.params["user_id"])
	if !ok {
		c.fail(http.StatusNotFound, CodeUnknownBan, "Unknown Ban")
		return
	}
	c.json(http.StatusOK, s.banPayload(b))
}

func (s *Server) createBan(c *reqCtx) {
	g := s.guildOr404(c)
	if g == nil {
		return
	}
	var req struct {
		DeleteMessageSeconds *int `json:"delete_message_seconds"`
		DeleteMessageDays    *int `json:"delete_message_days"`
	}
	if !c.decode(&req) {
		return
	}
	q := c.r.URL.Query()
	secs := 0
	switch {
	case req.DeleteMessageSeconds != nil:
		secs = *req.DeleteMessageSeconds
	case req.DeleteMessageDays != nil:
		secs = *req.DeleteMessageDays * 86400
	case q.Get("delete_message_seconds") != "":
		secs, _ = strconv.Atoi(q.Get("delete_message_seconds"))
	case q.Get("delete_message_days") != "":
		d, err := strconv.Atoi(q.Get("delete_message_days"))
		if err != nil || d < 0 || d > 7 {
			c.formError(Violation{Rule: "limit", InstancePath: "/delete_message_days", Message: "delete_message_days must be 0-7"})
			return
		}
		secs = d * 86400
	}
	if secs < 0 || secs > 604800 {
		c.formError(Violation{Rule: "limit", InstancePath: "/delete_message_seconds", Message: "delete_message_seconds must be 0-604800"})
		return
	}
	reason := c.auditReason()
	target := c.params["user_id"]
	s.mu.Lock()
	if s.users[target] == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownUser, "Unknown User")
		return
	}
	if !g.canModerateLocked(target, discordgo.PermissionBanMembers) {
		s.mu.Unlock()
		s.missingPermissions(c, "ban")
		return
	}
	now := s.clock.Now()
	g.bans[target] = BanRecord{UserID: target, Reason: reason, DeleteMessageSeconds: secs, At: now}
	s.auditLocked(g, AuditEntry{Action: "ban", TargetID: target, Reason: reason, At: now})
	_, wasMember := g.members[target]
	delete(g.members, target)
	u := copyUser(s.users[target])
	s.mu.Unlock()
	shard := s.shardFor(g.ID)
	s.gw.dispatch(s, shard, "GUILD_BAN_ADD", map[string]any{"guild_id": g.ID, "user": u})
	if wasMember {
		s.gw.dispatch(s, shard, "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	}
	c.noContent()
}

func (s *Server) removeBan(c *reqCtx) {
	g := s.guildOr404(c)
	if g == nil {
		return
	}
	target := c.params["user_id"]
	s.mu.Lock()
	if g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionBanMembers == 0 {
		s.mu.Unlock()
		s.missingPermissions(c, "unban")
		return
	}
	if _, ok := g.bans[target]; !ok {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownBan, "Unknown Ban")
		return
	}
	delete(g.bans, target)
	s.auditLocked(g, AuditEntry{Action: "unban", TargetID: target, Reason: c.auditReason(), At: s.clock.Now()})
	u := copyUser(s.users[target])
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_BAN_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	c.noContent()
}

func (s *Server) commandsLocked(guildID string) []*discordgo.ApplicationCommand {
	if guildID == "" {
		return s.global
	}
	return s.guildCmds[guildID]
}

func (s *Server) setCommandsLocked(guildID string, cmds []*discordgo.ApplicationCommand) {
	if guildID == "" {
		s.global = cmds
	} else {
		s.guildCmds[guildID] = cmds
	}
}
