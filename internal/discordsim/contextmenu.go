package discordsim

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// MaxContextMenus is how many context-menu commands of each type (USER,
// MESSAGE) an application may register in one scope (global, or one
// guild), as Discord documents it.
const MaxContextMenus = 5

// checkContextMenus applies Discord's rules for context-menu commands to a
// registration (the list of one scope after the change): a name of 1 to 32
// characters (mixed case and spaces allowed), an empty description, no
// options, and at most MaxContextMenus of each type. It returns the broken
// rule, or nil.
func checkContextMenus(cmds []*discordgo.ApplicationCommand) *Violation {
	count := map[discordgo.ApplicationCommandType]int{}
	for i, c := range cmds {
		if c.Type != discordgo.UserApplicationCommand && c.Type != discordgo.MessageApplicationCommand {
			continue
		}
		path := fmt.Sprintf("/%d", i)
		switch n := utf8.RuneCountInString(c.Name); {
		case n < 1 || n > 32:
			return &Violation{Rule: "schema", InstancePath: path + "/name", Message: fmt.Sprintf("context-menu command name %q must be 1-32 characters", c.Name)}
		case c.Description != "":
			return &Violation{Rule: "schema", InstancePath: path + "/description", Message: fmt.Sprintf("context-menu command %q must have an empty description", c.Name)}
		case len(c.Options) > 0:
			return &Violation{Rule: "schema", InstancePath: path + "/options", Message: fmt.Sprintf("context-menu command %q cannot have options", c.Name)}
		}
		count[c.Type]++
		if count[c.Type] > MaxContextMenus {
			return &Violation{Rule: "limit", InstancePath: path, Message: fmt.Sprintf("more than %d context-menu commands of type %d", MaxContextMenus, c.Type)}
		}
	}
	return nil
}

// RunUserCommand has member use the user command name (the "Apps" entry of
// target's context menu) in member's guild. As on Discord, data.target_id
// is the target's id and data.resolved carries the target as a user and a
// (partial) member. It waits as Run does.
func (s *Server) RunUserCommand(ctx context.Context, member *Member, name string, target *Member, opts ...Option) (*Interaction, error) {
	resolved := map[string]any{"users": map[string]any{target.ID(): s.userOf(target.ID())}}
	if g := s.Guild(member.GuildID); g != nil {
		if mp := s.memberPayload(g, target.ID()); mp != nil {
			delete(mp, "user") // resolved members are partial: no user, deaf or mute
			delete(mp, "deaf")
			delete(mp, "mute")
			resolved["members"] = map[string]any{target.ID(): mp}
		}
	}
	return s.runContextMenu(ctx, member, discordgo.UserApplicationCommand, name, target.ID(), resolved, "", opts)
}

// RunMessageCommand has member use the message command name (the "Apps"
// entry of a message's context menu) on the message messageID in
// channelID. The interaction happens in that channel and data.resolved
// carries the whole message, content included even without the Message
// Content intent (Discord gives an app the content of the message its
// command targets). It waits as Run does.
func (s *Server) RunMessageCommand(ctx context.Context, member *Member, name, channelID, messageID string, opts ...Option) (*Interaction, error) {
	var msg *discordgo.Message
	s.mu.Lock()
	if ch := s.channels[channelID]; ch != nil {
		for _, m := range ch.messages {
			if m.ID == messageID {
				msg = copyMessage(m)
			}
		}
	}
	s.mu.Unlock()
	if msg == nil {
		return nil, fmt.Errorf("%s: %w: no message %s in channel %s", name, ErrInvalidOption, messageID, channelID)
	}
	resolved := map[string]any{"messages": map[string]any{messageID: msg}}
	return s.runContextMenu(ctx, member, discordgo.MessageApplicationCommand, name, messageID, resolved, channelID, opts)
}

func (s *Server) runContextMenu(ctx context.Context, member *Member, typ discordgo.ApplicationCommandType, name, targetID string,
	resolved map[string]any, channelID string, opts []Option) (*Interaction, error) {
	cfg := runConfig{locale: "en-US", channelID: channelID}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		}
	}
	gid := member.GuildID
	s.mu.Lock()
	cmd := s.findMenuLocked(gid, typ, name)
	var g *Guild
	if gid != "" {
		g = s.guildByID[gid]
	}
	s.mu.Unlock()
	if cmd == nil {
		return nil, fmt.Errorf("%q (type %d): %w", name, typ, ErrUnknownCommand)
	}
	if err := s.checkVisible(g, member, cmd); err != nil && !cfg.hostile {
		return nil, err
	}
	ix := &Interaction{ID: s.newID(), Token: randomToken(), Type: discordgo.InteractionApplicationCommand, GuildID: gid,
		User: member.User, Command: name, fileMax: s.opts.AttachmentSizeLimit}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": typ, "target_id": targetID, "resolved": resolved}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	payload := map[string]any{"data": data}
	if err := s.fillContext(ix, member, g, cfg, payload); err != nil {
		return nil, err
	}
	return s.deliver(ctx, ix, payload, cfg)
}

// findMenuLocked finds a context-menu command of typ by name: the guild's,
// then the global one.
func (s *Server) findMenuLocked(guildID string, typ discordgo.ApplicationCommandType, name string) *discordgo.ApplicationCommand {
	for _, list := range [][]*discordgo.ApplicationCommand{s.guildCmds[guildID], s.global} {
		for _, c := range list {
			if c.Type == typ && c.Name == name {
				return c
			}
		}
	}
	return nil
}
