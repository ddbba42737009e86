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

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/middleware"
)

// Registry holds every declaration.
type Registry struct {
	groups     map[string]middleware.Group
	specs      map[string]*middleware.Spec
	components map[string]*middleware.Component
	order      []string
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{groups: map[string]middleware.Group{}, specs: map[string]*middleware.Spec{}, components: map[string]*middleware.Component{}}
}

// Group declares a top-level command with subcommands.
func (r *Registry) Group(g middleware.Group) { r.groups[g.Name] = g }

// Add declares commands. It panics on a duplicate or malformed declaration:
// declarations are static, so this is a programming error caught by tests.
func (r *Registry) Add(specs ...middleware.Spec) {
	for i := range specs {
		s := specs[i]
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
	out := make([]*discordgo.ApplicationCommand, 0, len(names))
	for _, n := range names {
		c := tops[n]
		if hide {
			c.DefaultMemberPermissions = visibility(minLevel[n])
		}
		if guildOnly[n] {
			c.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
		}
		out = append(out, c)
	}
	return out
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
