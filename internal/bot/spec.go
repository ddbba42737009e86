// Package bot is the Discord edge of the pipeline: the registry of command
// declarations (middleware.Spec) and their registration with Discord,
// routing of interactions into the middleware chain, signed component ids,
// and a Responder over discordgo that renders view types and defers before
// Discord's 3-second limit. Handlers below it see plain middleware and view
// types.
package bot

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/middleware"
)

// Registry holds every declaration.
type Registry struct {
	groups     map[string]middleware.Group
	specs      map[string]*middleware.Spec
	components map[string]*middleware.Component
	order      []string
	// menus are the context-menu commands by type and name, in order.
	menus     map[menuKey]*middleware.Spec
	menuOrder []menuKey
}

type menuKey struct {
	typ  middleware.CommandType
	name string
}

// MaxContextMenus is how many context-menu commands of each type (user,
// message) Discord lets an application register in one scope.
const MaxContextMenus = 5

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{groups: map[string]middleware.Group{}, specs: map[string]*middleware.Spec{},
		components: map[string]*middleware.Component{}, menus: map[menuKey]*middleware.Spec{}}
}

// Group declares a top-level command with subcommands.
func (r *Registry) Group(g middleware.Group) { r.groups[g.Name] = g }

// Add declares commands. It panics on a duplicate or malformed declaration:
// declarations are static, so this is a programming error caught by tests.
func (r *Registry) Add(specs ...middleware.Spec) {
	for i := range specs {
		s := specs[i]
		if s.Type != middleware.ChatInput {
			r.addMenu(s)
			continue
		}
		parts := strings.Fields(s.Name)
		if len(parts) == 0 || len(parts) > 3 || s.Handle == nil || s.Description == "" {
			panic(fmt.Sprintf("bot: malformed spec %q", s.Name))
		}
		if _, dup := r.specs[s.Name]; dup {
			panic(fmt.Sprintf("bot: duplicate spec %q", s.Name))
		}
		if len(parts) > 1 {
			if _, ok := r.groups[parts[0]]; !ok {
				panic(fmt.Sprintf("bot: spec %q has no group %q", s.Name, parts[0]))
			}
		}
		r.specs[s.Name] = &s
		r.order = append(r.order, s.Name)
	}
}

// addMenu declares a context-menu command: a name of 1 to 32 characters,
// no description, no options, at most MaxContextMenus of its type.
func (r *Registry) addMenu(s middleware.Spec) {
	k := menuKey{s.Type, s.Name}
	n := utf8.RuneCountInString(s.Name)
	if n == 0 || n > 32 || strings.TrimSpace(s.Name) != s.Name || s.Description != "" || len(s.Options) > 0 || s.Handle == nil ||
		(s.Type != middleware.UserCommand && s.Type != middleware.MessageCommand) {
		panic(fmt.Sprintf("bot: malformed context-menu spec %q", s.Name))
	}
	if _, dup := r.menus[k]; dup {
		panic(fmt.Sprintf("bot: duplicate context-menu spec %q", s.Name))
	}
	count := 0
	for _, o := range r.menuOrder {
		if o.typ == s.Type {
			count++
		}
	}
	if count == MaxContextMenus {
		panic(fmt.Sprintf("bot: context-menu spec %q is one more than Discord's %d of its type", s.Name, MaxContextMenus))
	}
	r.menus[k] = &s
	r.menuOrder = append(r.menuOrder, k)
}

// Menu returns the declaration of a context-menu command.
func (r *Registry) Menu(typ middleware.CommandType, name string) (*middleware.Spec, bool) {
	s, ok := r.menus[menuKey{typ, name}]
	return s, ok
}

// AddComponent declares component handlers.
func (r *Registry) AddComponent(cs ...middleware.Component) {
	for i := range cs {
		c := cs[i]
		if strings.ContainsAny(c.Action, "|") || c.Handle == nil {
			panic(fmt.Sprintf("bot: malformed component %q", c.Action))
		}
		r.components[c.Action] = &c
	}
}

// Spec returns the declaration of a command path.
func (r *Registry) Spec(name string) (*middleware.Spec, bool) {
	s, ok := r.specs[name]
	return s, ok
}

// visibility is the default_member_permissions that hides a command from
// members below level.
func visibility(level middleware.Level) *int64 {
	var p int64
	switch level {
	case middleware.Member:
		return nil
	case middleware.Moderator:
		p = middleware.PermModerateMembers
	case middleware.Admin:
		p = middleware.PermManageGuild
	default:
		p = middleware.PermAdministrator
	}
	return &p
}

// ApplicationCommands builds the bulk-overwrite payload. With hide, commands
// whose every subcommand needs moderator or more carry
// default_member_permissions; otherwise everyone sees them and the guard
// alone decides (so a denied member gets a clear refusal).
func (r *Registry) ApplicationCommands(hide bool) []*discordgo.ApplicationCommand {
	tops := map[string]*discordgo.ApplicationCommand{}
	minLevel := map[string]middleware.Level{}
	guildOnly := map[string]bool{}
	var names []string
	for _, name := range r.order {
		s := r.specs[name]
		parts := strings.Fields(name)
		top, ok := tops[parts[0]]
		if !ok {
			top = &discordgo.ApplicationCommand{Name: parts[0], Type: discordgo.ChatApplicationCommand}
			if g, ok := r.groups[parts[0]]; ok {
				top.Description = g.Description
			}
			tops[parts[0]] = top
			minLevel[parts[0]] = s.Policy.Level
			guildOnly[parts[0]] = true
			names = append(names, parts[0])
		}
		minLevel[parts[0]] = min(minLevel[parts[0]], s.Policy.Level)
		guildOnly[parts[0]] = guildOnly[parts[0]] && s.Policy.GuildOnly
		opts := appOptions(s.Options)
		switch len(parts) {
		case 1:
			top.Description, top.Options = s.Description, opts
		case 2:
			top.Options = append(top.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: parts[1], Description: s.Description, Options: opts})
		case 3:
			var grp *discordgo.ApplicationCommandOption
			for _, o := range top.Options {
				if o.Name == parts[1] && o.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
					grp = o
				}
			}
			if grp == nil {
				grp = &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup,
					Name: parts[1], Description: parts[1] + " settings"}
				top.Options = append(top.Options, grp)
			}
			grp.Options = append(grp.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: parts[2], Description: s.Description, Options: opts})
		}
	}
	sort.Strings(names)
	out := make([]*discordgo.ApplicationCommand, 0, len(names)+len(r.menuOrder))
	for _, n := range names {
		out = append(out, scoped(tops[n], hide, minLevel[n], guildOnly[n]))
	}
	for _, k := range r.menuOrder {
		s := r.menus[k]
		typ := discordgo.UserApplicationCommand
		if k.typ == middleware.MessageCommand {
			typ = discordgo.MessageApplicationCommand
		}
		out = append(out, scoped(&discordgo.ApplicationCommand{Name: s.Name, Type: typ}, hide, s.Policy.Level, s.Policy.GuildOnly))
	}
	return out
}

// scoped sets who sees c (with hide, default_member_permissions for level)
// and, for a guild-only command, the guild context alone.
func scoped(c *discordgo.ApplicationCommand, hide bool, level middleware.Level, guildOnly bool) *discordgo.ApplicationCommand {
	if hide {
		c.DefaultMemberPermissions = visibility(level)
	}
	if guildOnly {
		c.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	}
	return c
}

func appOptions(opts []middleware.Option) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, o := range opts {
		ao := &discordgo.ApplicationCommandOption{Name: o.Name, Description: o.Description, Required: o.Required}
		switch o.Type {
		case middleware.String:
			ao.Type = discordgo.ApplicationCommandOptionString
			if o.MinLength > 0 {
				n := o.MinLength
				ao.MinLength = &n
			}
			if o.MaxLength > 0 {
				ao.MaxLength = o.MaxLength
			}
			for _, c := range o.Choices {
				ao.Choices = append(ao.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
			}
		case middleware.Integer:
			ao.Type = discordgo.ApplicationCommandOptionInteger
			if o.HasRange {
				lo, hi := float64(o.Min), float64(o.Max)
				ao.MinValue, ao.MaxValue = &lo, hi
			}
		case middleware.Boolean:
			ao.Type = discordgo.ApplicationCommandOptionBoolean
		case middleware.UserOption:
			ao.Type = discordgo.ApplicationCommandOptionUser
		case middleware.Role:
			ao.Type = discordgo.ApplicationCommandOptionRole
		case middleware.Channel:
			ao.Type = discordgo.ApplicationCommandOptionChannel
			ao.ChannelTypes = []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildForum}
		}
		out = append(out, ao)
	}
	return out
}
