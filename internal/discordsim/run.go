package discordsim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Option is a slash-command option value (String, Int, User...) or a setting of the
// invocation (WaitFollowups, Locale, InChannel).
type Option struct {
	name    string
	typ     discordgo.ApplicationCommandOptionType
	value   any
	member  *Member
	role    *Role
	channel string
	file    *File
	apply   func(*runConfig)
	// unchecked skips the definition's choices and limits, as a hostile or
	// outdated client could (the type must still match).
	unchecked bool
}

// Unchecked sends o without checking it against the command's choices and
// limits, to test the bot's own validation of what Discord delivers.
func Unchecked(o Option) Option {
	o.unchecked = true
	return o
}

type runConfig struct {
	// hostile delivers what a modified client could send: commands hidden
	// from the member or the context, options outside their declared limits,
	// buttons that are not on the message.
	hostile   bool
	followups int
	locale    string
	channelID string
}

// String is a string option.
func String(name, v string) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionString, value: v}
}

// Int is an integer option.
func Int(name string, v int64) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionInteger, value: v}
}

// Number is a number (float) option.
func Number(name string, v float64) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionNumber, value: v}
}

// Bool is a boolean option.
func Bool(name string, v bool) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionBoolean, value: v}
}

// User is a user option; the member appears in resolved users (and members in a guild).
func User(name string, m *Member) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionUser, value: m.ID(), member: m}
}

// Hostile makes the delivery what a modified client could send, bypassing
// the checks Discord's own client makes: a command hidden from the member
// or invoked in a DM though it is guild-only, options outside the declared
// limits, a button that is not on the message (a forged custom id). It tests
// the bot's own, server-side defences.
func Hostile() Option { return Option{apply: func(c *runConfig) { c.hostile = true }} }

// UserID is a user option carrying a raw id that Discord does not resolve
// (a hostile or broken client), to test the bot's own checks.
func UserID(name, id string) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionUser, value: id}
}

// RoleOption is a role option.
func RoleOption(name string, r *Role) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionRole, value: r.ID, role: r}
}

// Channel is a channel option.
func Channel(name, channelID string) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionChannel, value: channelID, channel: channelID}
}

// Attachment is an attachment option: the file is served by the emulator at the
// resolved attachment's URL.
func Attachment(name, filename string, data []byte) Option {
	return Option{name: name, typ: discordgo.ApplicationCommandOptionAttachment, file: &File{Name: filename, Data: data, ContentType: contentTypeOf(filename)}}
}

// WaitFollowups makes Run wait until the bot sent at least n follow-up messages.
func WaitFollowups(n int) Option { return Option{apply: func(c *runConfig) { c.followups = n }} }

// Locale sets the invoking member's locale (default "en-US").
func Locale(l string) Option { return Option{apply: func(c *runConfig) { c.locale = l }} }

// InChannel invokes the command in channelID instead of the guild's default channel.
func InChannel(channelID string) Option {
	return Option{apply: func(c *runConfig) { c.channelID = channelID }}
}

func contentTypeOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	case strings.HasSuffix(name, ".jpg"), strings.HasSuffix(name, ".jpeg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case strings.HasSuffix(name, ".csv"):
		return "text/csv"
	case strings.HasSuffix(name, ".txt"):
		return "text/plain"
	}
	return "application/octet-stream"
}

// Run has member invoke a slash command such as "/security warn" (command, optional
// subcommand group, subcommand) with options, in the member's guild. It validates the
// options against the registered definition, delivers INTERACTION_CREATE on the right
// shard and waits until the interaction is resolved: a final initial response, or a
// deferral followed by an edit or a follow-up (and WaitFollowups). The returned
// Interaction is non-nil whenever the interaction was delivered.
func (s *Server) Run(ctx context.Context, member *Member, command string, opts ...Option) (*Interaction, error) {
	if member.GuildID == "" {
		return s.RunDM(ctx, member, command, opts...)
	}
	return s.run(ctx, member, command, opts)
}

// RunDM has the user invoke a slash command in their DM with the bot.
func (s *Server) RunDM(ctx context.Context, user *Member, command string, opts ...Option) (*Interaction, error) {
	dm := &Member{User: user.User, s: s}
	return s.run(ctx, dm, command, opts)
}

func (s *Server) run(ctx context.Context, member *Member, command string, opts []Option) (*Interaction, error) {
	cfg := runConfig{locale: "en-US"}
	var values []Option
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		} else {
			values = append(values, o)
		}
	}
	parts := strings.Fields(strings.TrimPrefix(strings.TrimSpace(command), "/"))
	if len(parts) == 0 || len(parts) > 3 {
		return nil, fmt.Errorf("%q: %w", command, ErrUnknownCommand)
	}
	gid := member.GuildID
	s.mu.Lock()
	cmd := s.findCommandLocked(gid, parts[0])
	var g *Guild
	if gid != "" {
		g = s.guildByID[gid]
	}
	s.mu.Unlock()
	if cmd == nil {
		return nil, fmt.Errorf("%q: %w", command, ErrUnknownCommand)
	}
	if err := s.checkVisible(g, member, cmd); err != nil && !cfg.hostile {
		return nil, err
	}
	defs := cmd.Options
	var wrap func([]map[string]any) []map[string]any
	wrap = func(o []map[string]any) []map[string]any { return o }
	hasSub := false
	for _, d := range defs {
		if d.Type == discordgo.ApplicationCommandOptionSubCommand || d.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
			hasSub = true
		}
	}
	if hasSub != (len(parts) > 1) {
		return nil, fmt.Errorf("%q: %w: subcommand missing or not expected", command, ErrUnknownCommand)
	}
	for _, p := range parts[1:] {
		d := findOptionDef(defs, p)
		if d == nil || (d.Type != discordgo.ApplicationCommandOptionSubCommand && d.Type != discordgo.ApplicationCommandOptionSubCommandGroup) {
			return nil, fmt.Errorf("%q: %w: no subcommand %q", command, ErrUnknownCommand, p)
		}
		inner, name, typ := wrap, d.Name, d.Type
		wrap = func(o []map[string]any) []map[string]any {
			return inner([]map[string]any{{"name": name, "type": typ, "options": o}})
		}
		defs = d.Options
	}
	for _, d := range defs {
		if d.Type == discordgo.ApplicationCommandOptionSubCommand || d.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
			return nil, fmt.Errorf("%q: %w: subcommand missing", command, ErrUnknownCommand)
		}
	}
	ix := &Interaction{ID: s.newID(), Token: randomToken(), Type: discordgo.InteractionApplicationCommand, GuildID: gid, User: member.User, Command: "/" + strings.Join(parts, " "), fileMax: s.opts.AttachmentSizeLimit}
	resolved := map[string]map[string]any{}
	addResolved := func(kind, id string, v any) {
		if resolved[kind] == nil {
			resolved[kind] = map[string]any{}
		}
		resolved[kind][id] = v
	}
	var leaf []map[string]any
	seen := map[string]bool{}
	for _, o := range values {
		d := findOptionDef(defs, o.name)
		if d == nil {
			return nil, fmt.Errorf("%s: %w: unknown option %q", command, ErrInvalidOption, o.name)
		}
		if seen[o.name] {
			return nil, fmt.Errorf("%s: %w: option %q given twice", command, ErrInvalidOption, o.name)
		}
		seen[o.name] = true
		if cfg.hostile {
			o.unchecked = true
		}
		v, err := checkOption(d, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", command, err)
		}
		leaf = append(leaf, map[string]any{"name": d.Name, "type": d.Type, "value": v})
		switch {
		case o.member != nil:
			addResolved("users", o.member.ID(), s.userOf(o.member.ID()))
			if g != nil {
				if mp := s.memberPayload(g, o.member.ID()); mp != nil {
					addResolved("members", o.member.ID(), mp)
				}
			}
		case o.role != nil:
			addResolved("roles", o.role.ID, o.role.Info())
		case o.channel != "":
			s.mu.Lock()
			ch := s.channels[o.channel]
			s.mu.Unlock()
			if ch == nil {
				return nil, fmt.Errorf("%s: %w: unknown channel %s", command, ErrInvalidOption, o.channel)
			}
			addResolved("channels", o.channel, map[string]any{"id": ch.ch.ID, "name": ch.ch.Name, "type": ch.ch.Type, "permissions": "0"})
		case o.file != nil:
			s.mu.Lock()
			att := s.storeFilesLocked([]File{*o.file})[0]
			s.mu.Unlock()
			leaf[len(leaf)-1]["value"] = att.ID
			addResolved("attachments", att.ID, att)
		}
	}
	for _, d := range defs {
		if d.Required && !seen[d.Name] {
			return nil, fmt.Errorf("%s: %w: required option %q missing", command, ErrInvalidOption, d.Name)
		}
	}
	if leaf == nil {
		leaf = []map[string]any{}
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": discordgo.ChatApplicationCommand, "options": wrap(leaf)}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	if len(resolved) > 0 {
		data["resolved"] = resolved
	}
	payload := map[string]any{"data": data}
	if err := s.fillContext(ix, member, g, cfg, payload); err != nil {
		return nil, err
	}
	return s.deliver(ctx, ix, payload, cfg)
}

// fillContext sets guild/channel/member (or DM user) fields of an interaction payload.
func (s *Server) fillContext(ix *Interaction, member *Member, g *Guild, cfg runConfig, payload map[string]any) error {
	payload["locale"] = cfg.locale
	if g == nil {
		ch := s.dmChannel(member.ID())
		ix.ChannelID = ch.ID
		payload["channel_id"] = ch.ID
		payload["channel"] = ch
		payload["user"] = s.userOf(member.ID())
		payload["context"] = discordgo.InteractionContextBotDM
		payload["authorizing_integration_owners"] = map[string]string{"1": member.ID()}
		payload["app_permissions"] = fmt.Sprint(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionAttachFiles | discordgo.PermissionReadMessageHistory)
		return nil
	}
	chID := cfg.channelID
	if chID == "" {
		chID = g.ChannelID
	}
	if ix.ChannelID != "" && cfg.channelID == "" {
		chID = ix.ChannelID
	}
	s.mu.Lock()
	ch := s.channels[chID]
	var chCopy discordgo.Channel
	if ch != nil {
		chCopy = *ch.ch
	}
	s.mu.Unlock()
	if ch == nil {
		return fmt.Errorf("channel %s: %w", chID, ErrInvalidOption)
	}
	mp := s.memberPayload(g, member.ID())
	if mp == nil {
		return fmt.Errorf("user %s is not a member of %s: %w", member.ID(), g.Name, ErrInvalidOption)
	}
	if m, _ := mp["user"].(*discordgo.User); m != nil && cfg.locale == "en-US" && m.Locale != "" {
		payload["locale"] = m.Locale
	}
	mp["user"] = s.userOf(member.ID())
	ix.ChannelID = chID
	payload["guild_id"] = g.ID
	payload["channel_id"] = chID
	payload["channel"] = map[string]any{"id": chCopy.ID, "guild_id": g.ID, "name": chCopy.Name, "type": chCopy.Type}
	payload["member"] = mp
	payload["guild_locale"] = "en-US"
	payload["guild"] = map[string]any{"id": g.ID, "locale": "en-US", "features": []string{}}
	payload["context"] = discordgo.InteractionContextGuild
	payload["authorizing_integration_owners"] = map[string]string{"0": g.ID}
	s.mu.Lock()
	payload["app_permissions"] = fmt.Sprint(g.permsLocked(s.opts.ApplicationID))
	s.mu.Unlock()
	return nil
}

func (s *Server) userOf(id string) *discordgo.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		return copyUser(u)
	}
	return &discordgo.User{ID: id}
}

// memberPayload is the interaction member object: roles, permissions string, timeout.
func (s *Server) memberPayload(g *Guild, userID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := g.members[userID]
	if ms == nil {
		return nil
	}
	m := map[string]any{
		"user": copyUser(ms.user), "roles": append([]string{}, ms.roles...), "joined_at": ms.joined.UTC().Format(time.RFC3339),
		"permissions": fmt.Sprint(g.permsLocked(userID)), "deaf": false, "mute": false, "flags": 0, "pending": false,
	}
	if ms.nick != "" {
		m["nick"] = ms.nick
	}
	if ms.timeout != nil {
		m["communication_disabled_until"] = ms.timeout.UTC().Format(time.RFC3339)
	}
	return m
}

func (s *Server) dmChannel(userID string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.dmByUser[userID]
	if ch == nil {
		u := s.users[userID]
		ch = &channel{ch: &discordgo.Channel{ID: s.newID(), Type: discordgo.ChannelTypeDM, Recipients: []*discordgo.User{copyUser(u)}}}
		s.dmByUser[userID] = ch
		s.channels[ch.ch.ID] = ch
	}
	c := *ch.ch
	return &c
}

func (s *Server) findCommandLocked(guildID, name string) *discordgo.ApplicationCommand {
	for _, c := range s.guildCmds[guildID] {
		if guildID != "" && c.Name == name && (c.Type == discordgo.ChatApplicationCommand || c.Type == 0) {
			return c
		}
	}
	for _, c := range s.global {
		if c.Name == name && (c.Type == discordgo.ChatApplicationCommand || c.Type == 0) {
			return c
		}
	}
	return nil
}

// checkVisible applies default_member_permissions, dm_permission/contexts and the
// per-guild overrides set with SetCommandPermissionOverride.
func (s *Server) checkVisible(g *Guild, member *Member, cmd *discordgo.ApplicationCommand) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g == nil {
		// dm_permission is deprecated in favour of contexts but Discord
		// still honours it for commands registered with it.
		//lint:ignore SA1019 the emulator must honour what bots still send
		dmPermission := cmd.DMPermission
		if cmd.GuildID != "" || (dmPermission != nil && !*dmPermission) ||
			(cmd.Contexts != nil && !containsContext(*cmd.Contexts, discordgo.InteractionContextBotDM)) {
			return fmt.Errorf("/%s in DMs: %w", cmd.Name, ErrCommandHidden)
		}
		return nil
	}
	if cmd.Contexts != nil && !containsContext(*cmd.Contexts, discordgo.InteractionContextGuild) {
		return fmt.Errorf("/%s in a guild: %w", cmd.Name, ErrCommandHidden)
	}
	if allowed, ok := s.overrides[g.ID][cmd.Name]; ok {
		if !allowed {
			return fmt.Errorf("/%s disabled for %s by override: %w", cmd.Name, member.User.Username, ErrCommandHidden)
		}
		return nil
	}
	if cmd.DefaultMemberPermissions == nil {
		return nil
	}
	need := *cmd.DefaultMemberPermissions
	have := g.permsLocked(member.ID())
	if have&discordgo.PermissionAdministrator != 0 || (need != 0 && have&need == need) {
		return nil
	}
	return fmt.Errorf("/%s needs permissions %d that %s lacks: %w", cmd.Name, need, member.User.Username, ErrCommandHidden)
}

func containsContext(cs []discordgo.InteractionContextType, c discordgo.InteractionContextType) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func findOptionDef(defs []*discordgo.ApplicationCommandOption, name string) *discordgo.ApplicationCommandOption {
	for _, d := range defs {
		if d != nil && d.Name == name {
			return d
		}
	}
	return nil
}

// checkOption validates a value against its definition and returns the wire value.
func checkOption(d *discordgo.ApplicationCommandOption, o Option) (any, error) {
	typ := o.typ
	v := o.value
	switch {
	case typ == d.Type:
	case d.Type == discordgo.ApplicationCommandOptionNumber && typ == discordgo.ApplicationCommandOptionInteger:
		v = float64(v.(int64))
	case d.Type == discordgo.ApplicationCommandOptionMentionable && (typ == discordgo.ApplicationCommandOptionUser || typ == discordgo.ApplicationCommandOptionRole):
	default:
		return nil, fmt.Errorf("%w: option %q is %s, got %s", ErrInvalidOption, d.Name, d.Type, typ)
	}
	if o.unchecked {
		return v, nil
	}
	if len(d.Choices) > 0 {
		ok := false
		for _, c := range d.Choices {
			if fmt.Sprint(c.Value) == fmt.Sprint(v) {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("%w: option %q value %v is not one of its choices", ErrInvalidOption, d.Name, v)
		}
	}
	switch x := v.(type) {
	case string:
		n := len([]rune(x))
		if (d.MinLength != nil && n < *d.MinLength) || (d.MaxLength > 0 && n > d.MaxLength) || n > 6000 {
			return nil, fmt.Errorf("%w: option %q length %d out of range", ErrInvalidOption, d.Name, n)
		}
	case int64:
		if (d.MinValue != nil && float64(x) < *d.MinValue) || (d.MaxValue != 0 && float64(x) > d.MaxValue) || math.Abs(float64(x)) > 1<<53 {
			return nil, fmt.Errorf("%w: option %q value %d out of range", ErrInvalidOption, d.Name, x)
		}
	case float64:
		if (d.MinValue != nil && x < *d.MinValue) || (d.MaxValue != 0 && x > d.MaxValue) {
			return nil, fmt.Errorf("%w: option %q value %v out of range", ErrInvalidOption, d.Name, x)
		}
	}
	return v, nil
}
