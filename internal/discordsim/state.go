package discordsim

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// UserSpec describes a user to create.
type UserSpec struct {
	Username   string
	GlobalName string
	Bot        bool
	// Roles are role IDs or names of the guild the member joins.
	Roles []string
	Nick  string
	// Locale is the member's client locale on interactions (default "en-US").
	Locale string
	// AccountAge, when set, makes the account that old: its id's snowflake
	// time is the emulator's now minus AccountAge (join.go).
	AccountAge time.Duration
}

// RoleSpec describes a role to create.
type RoleSpec struct {
	Name        string
	Permissions int64
	// Position orders roles for hierarchy checks; higher outranks lower. 0 picks the
	// next free position above the existing roles.
	Position int
}

// Guild is an emulated guild. Its fields are fixed at creation; everything else is read
// through methods.
type Guild struct {
	ID        string
	Name      string
	OwnerID   string
	ChannelID string // the default text channel, "general"

	s        *Server
	roles    []*discordgo.Role // roles[0] is @everyone
	members  map[string]*memberState
	order    []string // member IDs in join order
	channels []string
	bans     map[string]BanRecord
	audit    []AuditEntry
	// auditOut holds GUILD_AUDIT_LOG_ENTRY_CREATE payloads not yet sent (under
	// s.mu); auditSend keeps their sends in order, outside s.mu.
	auditOut  []auditEntryPayload
	auditSend sync.Mutex
	botRoleID string
	// verification is the guild's verification_level (join.go).
	verification int
}

// Member is a user's membership of a guild (or, with GuildID "", a bare user for DMs).
type Member struct {
	GuildID string
	User    *discordgo.User
	s       *Server
}

// ID is the member's user ID.
func (m *Member) ID() string { return m.User.ID }

// Mention is the <@id> mention of the member.
func (m *Member) Mention() string { return "<@" + m.User.ID + ">" }

type memberState struct {
	user    *discordgo.User
	roles   []string
	nick    string
	joined  time.Time
	timeout *time.Time
	locale  string
}

// Role is a guild role.
type Role struct {
	ID      string
	GuildID string
	s       *Server
}

type channel struct {
	ch       *discordgo.Channel
	messages []*discordgo.Message
}

// BanRecord is a ban as the bot created it.
type BanRecord struct {
	UserID               string
	Reason               string // X-Audit-Log-Reason (URL-decoded) or legacy reason query
	DeleteMessageSeconds int
	At                   time.Time
}

// AuditEntry is one entry of the guild's audit log: an action with its actor and
// audit-log reason.
type AuditEntry struct {
	ID         string // snowflake; its timestamp is At
	UserID     string // the actor; the bot for its own REST calls
	Action     string // "ban", "unban", "timeout", "untimeout", "member-update", "kick"...
	ActionType int    // Discord's audit log event number for Action
	TargetID   string
	Changes    []AuditChange
	Options    map[string]string
	Reason     string
	At         time.Time
}

// User creates a user who is in no guild (for DM invocations and bans by ID).
func (s *Server) User(spec UserSpec) *Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.newUserLocked(spec)
	return &Member{User: copyUser(u), s: s}
}

func (s *Server) newUserLocked(spec UserSpec) *discordgo.User {
	id := s.newID()
	if spec.AccountAge > 0 {
		id = s.idAtLocked(s.clock.Now().Add(-spec.AccountAge))
	}
	u := &discordgo.User{ID: id, Username: spec.Username, GlobalName: spec.GlobalName, Discriminator: "0", Bot: spec.Bot, Locale: spec.Locale}
	if u.Username == "" {
		u.Username = "user" + u.ID[len(u.ID)-4:]
	}
	s.users[u.ID] = u
	return u
}

func copyUser(u *discordgo.User) *discordgo.User { c := *u; return &c }

// CreateGuild creates a guild owned by a new user, with an @everyone role, a bot role
// (Administrator-free, BAN_MEMBERS|KICK_MEMBERS|MODERATE_MEMBERS|SEND_MESSAGES, above
// every member role created later until adjusted), the bot as a member and a default
// "general" text channel. A connected shard receives GUILD_CREATE.
func (s *Server) CreateGuild(name string, owner UserSpec) *Guild {
	s.mu.Lock()
	g := &Guild{ID: s.newID(), Name: name, s: s, members: map[string]*memberState{}, bans: map[string]BanRecord{}}
	g.roles = []*discordgo.Role{{ID: g.ID, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory | discordgo.PermissionUseApplicationCommands}}
	bot := &discordgo.Role{ID: s.newID(), Name: s.bot.Username, Managed: true, Position: 100,
		Permissions: discordgo.PermissionBanMembers | discordgo.PermissionKickMembers | discordgo.PermissionModerateMembers | discordgo.PermissionSendMessages | discordgo.PermissionViewChannel | discordgo.PermissionEmbedLinks | discordgo.PermissionAttachFiles}
	g.roles = append(g.roles, bot)
	g.botRoleID = bot.ID
	ch := &discordgo.Channel{ID: s.newID(), GuildID: g.ID, Name: "general", Type: discordgo.ChannelTypeGuildText}
	s.channels[ch.ID] = &channel{ch: ch}
	g.channels = append(g.channels, ch.ID)
	g.ChannelID = ch.ID
	ou := s.newUserLocked(owner)
	g.OwnerID = ou.ID
	g.addMemberLocked(ou, owner)
	g.addMemberLocked(s.bot, UserSpec{Roles: []string{bot.ID}})
	s.guilds = append(s.guilds, g)
	s.guildByID[g.ID] = g
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_CREATE", s.guildPayload(g))
	return g
}

// Owner returns the guild owner's membership.
func (g *Guild) Owner() *Member { return g.Member(g.OwnerID) }

// Member returns the membership of userID, or nil.
func (g *Guild) Member(userID string) *Member {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	ms := g.members[userID]
	if ms == nil {
		return nil
	}
	return &Member{GuildID: g.ID, User: copyUser(ms.user), s: g.s}
}

// Bot returns the bot's own membership of the guild.
func (g *Guild) Bot() *Member { return g.Member(g.s.opts.ApplicationID) }

// BotRole returns the bot's managed role, whose permissions and position tests adjust
// for hierarchy checks.
func (g *Guild) BotRole() *Role { return &Role{ID: g.botRoleID, GuildID: g.ID, s: g.s} }

// AddRole creates a role.
func (g *Guild) AddRole(spec RoleSpec) *Role {
	s := g.s
	s.mu.Lock()
	r := &discordgo.Role{ID: s.newID(), Name: spec.Name, Permissions: spec.Permissions, Position: spec.Position}
	if r.Position == 0 {
		for _, x := range g.roles {
			if x.ID != g.botRoleID && x.Position >= r.Position {
				r.Position = x.Position + 1
			}
		}
	}
	g.roles = append(g.roles, r)
	payload := map[string]any{"guild_id": g.ID, "role": copyRole(r)}
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_ROLE_CREATE", payload)
	return &Role{ID: r.ID, GuildID: g.ID, s: s}
}

// Role looks a role up by ID or name.
func (g *Guild) Role(idOrName string) *Role {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	if r := g.roleLocked(idOrName); r != nil {
		return &Role{ID: r.ID, GuildID: g.ID, s: g.s}
	}
	return nil
}

func (g *Guild) roleLocked(idOrName string) *discordgo.Role {
	for _, r := range g.roles {
		if r.ID == idOrName {
			return r
		}
	}
	for _, r := range g.roles {
		if r.Name == idOrName {
			return r
		}
	}
	return nil
}

func copyRole(r *discordgo.Role) *discordgo.Role { c := *r; return &c }

// Roles returns copies of the guild's roles.
func (g *Guild) Roles() []*discordgo.Role {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	out := make([]*discordgo.Role, len(g.roles))
	for i, r := range g.roles {
		out[i] = copyRole(r)
	}
	return out
}

func (r *Role) update(f func(*discordgo.Role)) {
	s := r.s
	s.mu.Lock()
	g := s.guildByID[r.GuildID]
	x := g.roleLocked(r.ID)
	f(x)
	payload := map[string]any{"guild_id": g.ID, "role": copyRole(x)}
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_ROLE_UPDATE", payload)
}

// SetPermissions replaces the role's permission bitset.
func (r *Role) SetPermissions(p int64) { r.update(func(x *discordgo.Role) { x.Permissions = p }) }

// SetPosition moves the role in the hierarchy.
func (r *Role) SetPosition(pos int) { r.update(func(x *discordgo.Role) { x.Position = pos }) }

// Info returns a copy of the role.
func (r *Role) Info() *discordgo.Role {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return copyRole(r.s.guildByID[r.GuildID].roleLocked(r.ID))
}

// AddMember creates a user and makes them a member with spec.Roles.
func (g *Guild) AddMember(spec UserSpec) *Member {
	s := g.s
	s.mu.Lock()
	u := s.newUserLocked(spec)
	ms := g.addMemberLocked(u, spec)
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_ADD", payload)
	return &Member{GuildID: g.ID, User: copyUser(u), s: s}
}

// Join makes an existing user (from User or another guild) a member.
func (g *Guild) Join(m *Member, roles ...string) *Member {
	s := g.s
	s.mu.Lock()
	u := s.users[m.ID()]
	ms := g.addMemberLocked(u, UserSpec{Roles: roles})
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_ADD", payload)
	return &Member{GuildID: g.ID, User: copyUser(u), s: s}
}

func (g *Guild) addMemberLocked(u *discordgo.User, spec UserSpec) *memberState {
	ms := &memberState{user: u, nick: spec.Nick, joined: g.s.clock.Now(), locale: spec.Locale}
	for _, r := range spec.Roles {
		if x := g.roleLocked(r); x != nil {
			ms.roles = append(ms.roles, x.ID)
		} else {
			panic("discordsim: unknown role " + r + " in guild " + g.Name)
		}
	}
	if _, ok := g.members[u.ID]; !ok {
		g.order = append(g.order, u.ID)
	}
	g.members[u.ID] = ms
	return ms
}

// SetRoles replaces the member's roles (IDs or names).
func (m *Member) SetRoles(roles ...string) {
	s := m.s
	s.mu.Lock()
	g := s.guildByID[m.GuildID]
	ms := g.members[m.ID()]
	ms.roles = nil
	for _, r := range roles {
		if x := g.roleLocked(r); x != nil {
			ms.roles = append(ms.roles, x.ID)
		}
	}
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", payload)
}

// Permissions returns the member's guild-level permission bitset as Discord computes
// it: the owner and Administrator holders get everything.
func (m *Member) Permissions() int64 {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	g := m.s.guildByID[m.GuildID]
	if g == nil {
		return 0
	}
	return g.permsLocked(m.ID())
}

func (g *Guild) permsLocked(userID string) int64 {
	if userID == g.OwnerID {
		return discordgo.PermissionAll
	}
	ms := g.members[userID]
	p := g.roles[0].Permissions
	if ms == nil {
		return p
	}
	for _, id := range ms.roles {
		if r := g.roleLocked(id); r != nil {
			p |= r.Permissions
		}
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	return p
}

// topPositionLocked is the highest role position of userID (0 for @everyone only).
func (g *Guild) topPositionLocked(userID string) int {
	top := 0
	if ms := g.members[userID]; ms != nil {
		for _, id := range ms.roles {
			if r := g.roleLocked(id); r != nil && r.Position > top {
				top = r.Position
			}
		}
	}
	return top
}

// canModerateLocked applies Discord's rules for the bot acting on target with perm.
func (g *Guild) canModerateLocked(target string, perm int64) bool {
	bot := g.s.opts.ApplicationID
	if g.permsLocked(bot)&perm == 0 {
		return false
	}
	if target == g.OwnerID || target == bot {
		return false
	}
	if _, isMember := g.members[target]; !isMember {
		return true
	}
	if perm == discordgo.PermissionModerateMembers && g.permsLocked(target)&discordgo.PermissionAdministrator != 0 {
		return false
	}
	return g.topPositionLocked(bot) > g.topPositionLocked(target)
}

func (g *Guild) memberPayloadLocked(ms *memberState) *discordgo.Member {
	m := &discordgo.Member{User: copyUser(ms.user), Nick: ms.nick, Roles: append([]string{}, ms.roles...), JoinedAt: ms.joined, CommunicationDisabledUntil: ms.timeout}
	return m
}

// Members returns the guild's members in join order.
func (g *Guild) Members() []*Member {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	out := make([]*Member, 0, len(g.order))
	for _, id := range g.order {
		if ms := g.members[id]; ms != nil {
			out = append(out, &Member{GuildID: g.ID, User: copyUser(ms.user), s: g.s})
		}
	}
	return out
}

// AddChannel creates a text channel and returns its ID.
func (g *Guild) AddChannel(name string) string {
	s := g.s
	s.mu.Lock()
	ch := &discordgo.Channel{ID: s.newID(), GuildID: g.ID, Name: name, Type: discordgo.ChannelTypeGuildText}
	s.channels[ch.ID] = &channel{ch: ch}
	g.channels = append(g.channels, ch.ID)
	c := *ch
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_CREATE", &c)
	return ch.ID
}

// Guild returns the guild with id, or nil.
func (s *Server) Guild(id string) *Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.guildByID[id]
}

// Guilds returns every guild in creation order.
func (s *Server) Guilds() []*Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.guilds)
}

func (s *Server) guildPayload(g *Guild) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	roles := make([]*discordgo.Role, len(g.roles))
	for i, r := range g.roles {
		roles[i] = copyRole(r)
	}
	members := []*discordgo.Member{}
	for _, id := range g.order {
		if ms := g.members[id]; ms != nil {
			members = append(members, g.memberPayloadLocked(ms))
		}
	}
	chans := []*discordgo.Channel{}
	for _, id := range g.channels {
		chans = append(chans, copyChannel(s.channels[id].ch))
	}
	return map[string]any{
		"id": g.ID, "name": g.Name, "owner_id": g.OwnerID, "roles": roles, "members": members,
		"channels": chans, "member_count": len(members), "joined_at": time.Unix(0, 0).UTC().Format(time.RFC3339),
		"unavailable": false, "large": false, "emojis": []any{}, "stickers": []any{}, "features": []string{},
		"preferred_locale": "en-US", "system_channel_id": g.ChannelID, "threads": []any{}, "presences": []any{},
		"voice_states": []any{}, "verification_level": g.verification, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
	}
}

// Bans returns the guild's bans ordered by time.
func (s *Server) Bans(guildID string) []BanRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildByID[guildID]
	if g == nil {
		return nil
	}
	out := make([]BanRecord, 0, len(g.bans))
	for _, b := range g.bans {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Ban returns the ban of userID in guildID.
func (s *Server) Ban(guildID, userID string) (BanRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildByID[guildID]
	if g == nil {
		return BanRecord{}, false
	}
	b, ok := g.bans[userID]
	return b, ok
}

// Timeout returns when the member's timeout ends, if one is active (per the clock).
func (s *Server) Timeout(guildID, userID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildByID[guildID]
	if g == nil || g.members[userID] == nil || g.members[userID].timeout == nil {
		return time.Time{}, false
	}
	t := *g.members[userID].timeout
	return t, t.After(s.clock.Now())
}

// AuditReasons returns every moderation call on the guild with its audit-log reason.
func (s *Server) AuditReasons(guildID string) []AuditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.guildByID[guildID]; g != nil {
		return slices.Clone(g.audit)
	}
	return nil
}

// RefuseDMs makes message creation in userID's DM channel fail with 403, code 50007,
// as when the user closed their DMs or blocked the bot.
func (s *Server) RefuseDMs(userID string) {
	s.mu.Lock()
	s.refuseDM[userID] = true
	s.mu.Unlock()
}

// DropDMChannel deletes userID's DM channel with the bot, as if Discord no
// longer knew it: a message to it gets 10003 Unknown Channel, and opening
// the DM again gives a new channel.
func (s *Server) DropDMChannel(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.dmByUser[userID]; ch != nil {
		delete(s.channels, ch.ch.ID)
		delete(s.dmByUser, userID)
	}
}

// DMs returns the messages the bot sent to userID's DM channel.
func (s *Server) DMs(userID string) []discordgo.Message {
	s.mu.Lock()
	ch := s.dmByUser[userID]
	s.mu.Unlock()
	if ch == nil {
		return nil
	}
	return s.ChannelMessages(ch.ch.ID)
}

// ChannelMessages returns the messages in a channel (guild or DM), oldest first.
func (s *Server) ChannelMessages(channelID string) []discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	out := make([]discordgo.Message, len(ch.messages))
	for i, m := range ch.messages {
		out[i] = *m
	}
	return out
}

// SetCommandPermissionOverride sets, for guildID, whether members may use commandName
// regardless of its default_member_permissions (Discord's Integrations settings).
func (s *Server) SetCommandPermissionOverride(guildID, commandName string, allowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overrides[guildID] == nil {
		s.overrides[guildID] = map[string]bool{}
	}
	s.overrides[guildID][commandName] = allowed
}

// Commands returns the registered commands of guildID, or the global ones for "".
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	if guildID == "" {
		return slices.Clone(s.global)
	}
	return slices.Clone(s.guildCmds[guildID])
}

func (s *Server) shardFor(guildID string) int {
	if guildID == "" {
		return 0
	}
	var id uint64
	for _, c := range guildID {
		id = id*10 + uint64(c-'0')
	}
	return int((id >> 22) % uint64(s.opts.Shards))
}

// SeedSandbox creates a sample guild "Sandbox" with an owner, an "Admin" role
// (Administrator) held by admin, a "Moderator" role (kick, ban, moderate) held by
// moderator, and two plain members alice and bob.
func (s *Server) SeedSandbox() *Guild {
	// Established accounts: their ids' snowflake time is years before
	// they join (join.go), as raid detection reads them.
	const age = 3 * 365 * 24 * time.Hour
	g := s.CreateGuild("Sandbox", UserSpec{Username: "owner", AccountAge: age})
	g.AddRole(RoleSpec{Name: "Admin", Permissions: discordgo.PermissionAdministrator, Position: 10})
	g.AddRole(RoleSpec{Name: "Moderator", Permissions: discordgo.PermissionKickMembers | discordgo.PermissionBanMembers | discordgo.PermissionModerateMembers | discordgo.PermissionManageMessages, Position: 5})
	g.AddMember(UserSpec{Username: "admin", Roles: []string{"Admin"}, AccountAge: age})
	g.AddMember(UserSpec{Username: "moderator", Roles: []string{"Moderator"}, AccountAge: age})
	g.AddMember(UserSpec{Username: "alice", AccountAge: age})
	g.AddMember(UserSpec{Username: "bob", AccountAge: age})
	return g
}

// MemberByName finds a guild member by username.
func (g *Guild) MemberByName(username string) *Member {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	for _, id := range g.order {
		if ms := g.members[id]; ms != nil && ms.user.Username == username {
			return &Member{GuildID: g.ID, User: copyUser(ms.user), s: g.s}
		}
	}
	return nil
}

// TimeOut times the member out until until, as a moderator does in Discord's client
// (communication_disabled_until; no audit-log reason reaches the bot's record).
func (m *Member) TimeOut(until time.Time) {
	s := m.s
	s.mu.Lock()
	g := s.guildByID[m.GuildID]
	ms := g.members[m.ID()]
	u := until.UTC()
	ms.timeout = &u
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", payload)
}

// BanUser bans userID as a moderator does in Discord's client: the ban is listed and
// the member leaves the guild, but the bot's own AuditReasons record does not show it.
func (g *Guild) BanUser(userID, reason string) {
	s := g.s
	s.mu.Lock()
	g.bans[userID] = BanRecord{UserID: userID, Reason: reason, At: s.clock.Now()}
	_, wasMember := g.members[userID]
	delete(g.members, userID)
	u := copyUser(s.users[userID])
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_BAN_ADD", map[string]any{"guild_id": g.ID, "user": u})
	if wasMember {
		s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	}
}
