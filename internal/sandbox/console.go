package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Console reads sandbox commands and prints what the members would see in
// Discord. It is not safe for concurrent use.
type Console struct {
	w     *World
	out   io.Writer
	actor *discordsim.Member

	// buttons are the clickable components of the last reply, numbered
	// from 1 for `click N`.
	buttons []button
	// views is what has been shown of each bot message, by id; watched are
	// the latest interactions, whose messages may still change.
	views   map[string]view
	watched []*discordsim.Interaction
	// seen remembers how much of each member's DMs, the bans and the
	// timeouts has been shown.
	seenDMs      map[string]int
	seenBans     map[string]bool
	seenTimeouts map[string]time.Time
}

// view is how much of a message the console has shown.
type view struct {
	edits   int
	deleted bool
}

// maxWatched bounds the interactions the console keeps watching for edits.
const maxWatched = 20

// settleTimeout bounds how long a command waits for the bot to finish it:
// Discord's interaction tokens, which edits and follow-ups need, last 15
// minutes.
const settleTimeout = 15 * time.Minute

type button struct {
	msg      *discordsim.Message
	customID string
	label    string
}

// NewConsole returns a console on w writing to out; commands run as alice
// until `as NAME` says otherwise.
func NewConsole(w *World, out io.Writer) *Console {
	c := &Console{w: w, out: out, actor: w.Member("alice"),
		seenDMs: map[string]int{}, seenBans: map[string]bool{}, seenTimeouts: map[string]time.Time{}, views: map[string]view{}}
	return c
}

// Prompt is the input prompt, naming the member commands run as.
func (c *Console) Prompt() string { return c.actor.User.Username + "> " }

// Banner introduces the sandbox.
func (c *Console) Banner() {
	fmt.Fprintf(c.out, `embodied sandbox: the bot is connected to a local Discord emulator at %s.
Nothing reaches Discord: every member, message, DM, timeout and ban below is simulated.
Guild %q; members: %s.
Type a slash command (it runs as %s), "as NAME /command ..." to run it as someone else,
"help" for everything else. Tab completes commands, options and members.
`, c.w.Sim.URL(), c.w.Guild.Name, strings.Join(c.names(), ", "), c.actor.User.Username)
}

// Run executes every line of in until EOF or quit, echoing each line after
// the prompt (so a transcript reads like a session).
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	sc := bufio.NewScanner(in)
	for {
		fmt.Fprint(c.out, c.Prompt())
		if !sc.Scan() {
			fmt.Fprintln(c.out)
			return sc.Err()
		}
		fmt.Fprintln(c.out, sc.Text())
		if c.Exec(ctx, sc.Text()) {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

const help = `Commands:
  /command [sub] [option:value ...]   run a slash command as the current member
                                      (values with spaces in quotes: notes:"two words";
                                      members by name: user:bob or user:@bob)
  as NAME                             run the next commands as NAME
  as NAME /command ...                run one command as NAME
  click N                             click button N of the last reply
  report NAME reason...               report NAME's last message in the guild's channel
                                      (Report message, its form filled in with the reason)
  dms [NAME]                          show the DMs the bot sent (to NAME)
  bans | timeouts                     who is banned / timed out in the guild
  say #CHANNEL TEXT                   post TEXT in #CHANNEL as the current member
                                      (message moderation: SECOPS_MODERATE_MESSAGES=true)
  deleted                             the messages the bot deleted
  logs [N]                            the bot's last N log lines (default 15)
  users                               the members and their roles
  help                                this text
  quit                                stop the sandbox (Ctrl-D works too)
`

// Exec runs one console line and reports whether the console should stop.
func (c *Console) Exec(ctx context.Context, line string) (quit bool) {
	words, err := split(line)
	if err != nil {
		fmt.Fprintf(c.out, "✗ %v\n", err)
		return false
	}
	if len(words) == 0 {
		return false
	}
	// What the bot changed since the last command (a late edit or
	// follow-up) shows first.
	c.changes()
	switch words[0] {
	case "quit", "exit":
		return true
	case "help", "?":
		fmt.Fprint(c.out, help)
		fmt.Fprintf(c.out, "Slash commands: %s\nMembers: %s\n", strings.Join(c.commandPaths(), ", "), strings.Join(c.names(), ", "))
	case "users":
		c.users()
	case "as":
		if len(words) < 2 {
			fmt.Fprintln(c.out, "✗ as NAME [/command ...]")
			return false
		}
		m := c.w.Member(words[1])
		if m == nil {
			fmt.Fprintf(c.out, "✗ no member %q (members: %s)\n", words[1], strings.Join(c.names(), ", "))
			return false
		}
		if len(words) == 2 {
			c.actor = m
			fmt.Fprintf(c.out, "Now acting as %s.\n", m.User.Username)
			return false
		}
		prev := c.actor
		c.actor = m
		defer func() { c.actor = prev }()
		return c.exec(ctx, words[2:])
	default:
		return c.exec(ctx, words)
	}
	return false
}

func (c *Console) exec(ctx context.Context, words []string) bool {
	switch {
	case strings.HasPrefix(words[0], "/"):
		c.slash(ctx, words)
	case words[0] == "click":
		c.click(ctx, words[1:])
	case words[0] == "report":
		c.report(ctx, words[1:])
	case words[0] == "dms":
		c.dms(words[1:])
	case words[0] == "bans":
		c.bans()
	case words[0] == "timeouts":
		c.timeouts()
	case words[0] == "say":
		c.say(words[1:])
	case words[0] == "deleted":
		c.deleted()
	case words[0] == "logs":
		n := 15
		if len(words) > 1 {
			if v, err := strconv.Atoi(words[1]); err == nil && v > 0 {
				n = v
			}
		}
		lines := strings.Split(strings.TrimRight(c.w.Logs(), "\n"), "\n")
		fmt.Fprintln(c.out, strings.Join(lines[max(0, len(lines)-n):], "\n"))
	default:
		fmt.Fprintf(c.out, "✗ unknown command %q: type help\n", words[0])
	}
	return false
}

// slash runs "/cmd [sub] name:value ..." as the current member.
func (c *Console) slash(ctx context.Context, words []string) {
	path := []string{strings.TrimPrefix(words[0], "/")}
	rest := words[1:]
	for len(rest) > 0 && !strings.Contains(rest[0], ":") {
		path = append(path, rest[0])
		rest = rest[1:]
	}
	cmd := "/" + strings.Join(path, " ")
	defs := c.optionDefs(path)
	var opts []discordsim.Option
	for _, kv := range rest {
		name, value, _ := strings.Cut(kv, ":")
		o, err := c.option(defs, name, value)
		if err != nil {
			fmt.Fprintf(c.out, "✗ %s: %v\n", cmd, err)
			return
		}
		opts = append(opts, o)
	}
	handled := c.w.handled()
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ix, err := c.w.Sim.Run(runCtx, c.actor, cmd, opts...)
	if err != nil {
		switch {
		case errors.Is(err, discordsim.ErrUnknownCommand):
			fmt.Fprintf(c.out, "✗ Discord does not know %s (type help for the commands)\n", cmd)
		case errors.Is(err, discordsim.ErrCommandHidden):
			fmt.Fprintf(c.out, "✗ Discord does not show %s to %s\n", cmd, c.actor.User.Username)
		default:
			fmt.Fprintf(c.out, "✗ %v\n", err)
		}
		if ix == nil {
			return
		}
	}
	c.show(ix)
	c.follow(ctx, ix, handled)
}

func (c *Console) click(ctx context.Context, args []string) {
	if len(args) != 1 {
		fmt.Fprintln(c.out, "✗ click N")
		return
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > len(c.buttons) {
		fmt.Fprintf(c.out, "✗ no button %s: the last reply has %d\n", args[0], len(c.buttons))
		return
	}
	b := c.buttons[n-1]
	handled := c.w.handled()
	clickCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ix, err := c.w.Sim.Click(clickCtx, c.actor, b.msg, b.customID)
	if err != nil {
		fmt.Fprintf(c.out, "✗ click %q: %v\n", b.label, err)
		if ix == nil {
			return
		}
	}
	c.show(ix)
	c.follow(ctx, ix, handled)
}

// report has the current member use "Report message" on NAME's last
// message in the guild's channel and fill in the form with the reason.
func (c *Console) report(ctx context.Context, args []string) {
	if len(args) < 2 {
		fmt.Fprintln(c.out, "✗ report NAME reason...")
		return
	}
	target := c.member(args[0])
	if target == nil {
		fmt.Fprintf(c.out, "✗ no member %q\n", args[0])
		return
	}
	msgs := c.w.Sim.ChannelMessages(c.w.Guild.ChannelID)
	i := len(msgs) - 1
	for i >= 0 && (msgs[i].Author == nil || msgs[i].Author.ID != target.ID()) {
		i--
	}
	if i < 0 {
		fmt.Fprintf(c.out, "✗ %s has posted nothing in the guild's channel\n", target.User.Username)
		return
	}
	handled := c.w.handled()
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ix, err := c.w.Sim.RunMessageCommand(runCtx, c.actor, "Report message", msgs[i].ChannelID, msgs[i].ID)
	if err == nil && ix.Modal() != nil {
		m := ix.Modal()
		fmt.Fprintf(c.out, "The bot opened a form %q; %s writes: %s\n", m.Title, c.actor.User.Username, strings.Join(args[1:], " "))
		ix, err = c.w.Sim.SubmitModal(runCtx, c.actor, m, map[string]string{firstInput(m.Components): strings.Join(args[1:], " ")})
	}
	if err != nil {
		fmt.Fprintf(c.out, "✗ report: %v\n", err)
		if ix == nil {
			return
		}
	}
	c.show(ix)
	c.follow(ctx, ix, handled)
}

// firstInput is the custom id of a form's first text input.
func firstInput(cs []discordgo.MessageComponent) string {
	for _, row := range cs {
		if r, ok := row.(*discordgo.ActionsRow); ok {
			for _, x := range r.Components {
				if ti, ok := x.(*discordgo.TextInput); ok {
					return ti.CustomID
				}
			}
		}
	}
	return ""
}

// show prints what the member sees, then what changed elsewhere.
func (c *Console) show(ix *discordsim.Interaction) {
	c.buttons = nil
	if why := ix.Failed(); why != "" {
		fmt.Fprintf(c.out, "✗ Discord shows %s \"This interaction failed\" (%s)\n", c.actor.User.Username, why)
	}
	if m := ix.Modal(); m != nil {
		fmt.Fprintf(c.out, "The bot opened a form %q (forms cannot be filled in from the console).\n", m.Title)
	}
	for _, m := range ix.Messages() {
		if m.Deleted {
			continue
		}
		who := "bot"
		if m.Ephemeral() {
			who = "bot (only " + c.actor.User.Username + " sees this)"
		}
		c.message(who, m.Content, m.Embeds)
		for _, f := range m.Files {
			fmt.Fprintf(c.out, "  📎 %s (%d bytes)\n", f.Name, len(f.Data))
		}
		c.collectButtons(m)
	}
	c.listButtons()
	c.watch(ix)
}

func (c *Console) listButtons() {
	if len(c.buttons) == 0 {
		return
	}
	var labels []string
	for i, b := range c.buttons {
		labels = append(labels, fmt.Sprintf("[%d] %s", i+1, b.label))
	}
	fmt.Fprintf(c.out, "  %s   (click N)\n", strings.Join(labels, "  "))
}

// watch remembers what is shown of ix's messages, and keeps ix among the
// interactions whose later changes are shown.
func (c *Console) watch(ix *discordsim.Interaction) {
	for _, m := range ix.Messages() {
		c.views[m.ID] = view{edits: m.Edits, deleted: m.Deleted}
	}
	c.watched = append(c.watched, ix)
	if len(c.watched) > maxWatched {
		c.watched = slices.Delete(c.watched, 0, len(c.watched)-maxWatched)
	}
}

// follow shows the edits, follow-ups and deletions of the bot's messages as
// they happen, until the bot has finished handling ix (its handled count
// passed before), then what changed elsewhere (DMs, bans, timeouts).
func (c *Console) follow(ctx context.Context, ix *discordsim.Interaction, before float64) {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	for done := false; !done; {
		done = c.w.handled() > before
		c.changes()
		if done {
			break
		}
		// Wake on a change of ix, or poll for the end of the handler.
		tick, stop := context.WithTimeout(ctx, 50*time.Millisecond)
		first := true
		_ = ix.Wait(tick, func(*discordsim.Interaction) bool {
			changed := !first
			first = false
			return changed
		})
		stop()
		if ctx.Err() != nil {
			fmt.Fprintln(c.out, "✗ the bot is still working on it; its later edits show after the next command")
			break
		}
	}
	c.events()
}

// changes prints what changed in the watched interactions' messages since
// they were shown: new follow-ups, each edit, deletions.
func (c *Console) changes() {
	for _, ix := range c.watched {
		for _, m := range ix.Messages() {
			only := ""
			if m.Ephemeral() {
				only = "only " + ix.User.Username + " sees this"
			}
			v, seen := c.views[m.ID]
			switch {
			case m.Deleted && !v.deleted:
				if seen {
					fmt.Fprintf(c.out, "bot deleted its message: %s\n", clip(c.mentions(lastContent(v, m)), 60))
					c.dropButtons(m.ID)
				}
			case !seen:
				c.message(label("bot", only), m.Content, m.Embeds)
				c.showNew(m)
			case m.Edits > v.edits:
				// Versions between the last shown and the latest, content only.
				for k := max(v.edits+1, 1); k < m.Edits && k < len(m.History); k++ {
					c.message(label("bot", "edited", only), m.History[k], nil)
				}
				c.message(label("bot", "edited", only), m.Content, m.Embeds)
				c.dropButtons(m.ID)
				c.showNew(m)
			}
			c.views[m.ID] = view{edits: m.Edits, deleted: m.Deleted}
		}
	}
}

// showNew lists a new or edited message's files and buttons.
func (c *Console) showNew(m *discordsim.Message) {
	for _, f := range m.Files {
		fmt.Fprintf(c.out, "  📎 %s (%d bytes)\n", f.Name, len(f.Data))
	}
	n := len(c.buttons)
	c.collectButtons(m)
	if len(c.buttons) > n {
		c.listButtons()
	}
}

func (c *Console) dropButtons(msgID string) {
	c.buttons = slices.DeleteFunc(c.buttons, func(b button) bool { return b.msg.ID == msgID })
}

// label is "bot" or "bot (edited, only alice sees this)".
func label(who string, notes ...string) string {
	notes = slices.DeleteFunc(notes, func(s string) bool { return s == "" })
	if len(notes) == 0 {
		return who
	}
	return who + " (" + strings.Join(notes, ", ") + ")"
}

// lastContent is the content of m as it was last shown.
func lastContent(v view, m *discordsim.Message) string {
	if v.edits < len(m.History) {
		return m.History[v.edits]
	}
	return m.Content
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (c *Console) message(who, content string, embeds []*discordgo.MessageEmbed) {
	if content != "" {
		fmt.Fprintf(c.out, "%s: %s\n", who, indent(c.mentions(content), "  "))
	} else {
		fmt.Fprintf(c.out, "%s:\n", who)
	}
	for _, e := range embeds {
		title := e.Title
		if e.Author != nil && title == "" {
			title = e.Author.Name
		}
		fmt.Fprintf(c.out, "  ┌ %s\n", c.mentions(title))
		if e.Description != "" {
			fmt.Fprintf(c.out, "  │ %s\n", indent(c.mentions(e.Description), "  │ "))
		}
		for _, f := range e.Fields {
			fmt.Fprintf(c.out, "  │ %s\n  │   %s\n", c.mentions(f.Name), indent(c.mentions(f.Value), "  │   "))
		}
		if e.Footer != nil && e.Footer.Text != "" {
			fmt.Fprintf(c.out, "  └ %s\n", c.mentions(e.Footer.Text))
		} else {
			fmt.Fprintln(c.out, "  └")
		}
	}
}

func (c *Console) collectButtons(m *discordsim.Message) {
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, x := range cs {
			switch v := x.(type) {
			case *discordgo.ActionsRow:
				walk(v.Components)
			case discordgo.ActionsRow:
				walk(v.Components)
			case *discordgo.Button:
				if v.CustomID != "" && !v.Disabled {
					c.buttons = append(c.buttons, button{msg: m, customID: v.CustomID, label: v.Label})
				}
			case discordgo.Button:
				if v.CustomID != "" && !v.Disabled {
					c.buttons = append(c.buttons, button{msg: m, customID: v.CustomID, label: v.Label})
				}
			}
		}
	}
	walk(m.Components)
}

// events prints new DMs, bans and timeouts since the last look.
func (c *Console) events() {
	for _, m := range c.w.People() {
		dms := c.w.Sim.DMs(m.ID())
		for _, d := range dms[min(c.seenDMs[m.ID()], len(dms)):] {
			c.message("📨 DM to "+m.User.Username, d.Content, d.Embeds)
		}
		c.seenDMs[m.ID()] = len(dms)
		if until, ok := c.w.Sim.Timeout(c.w.Guild.ID, m.ID()); ok && !until.Equal(c.seenTimeouts[m.ID()]) {
			fmt.Fprintf(c.out, "⏱️  %s is timed out until %s\n", m.User.Username, until.UTC().Format("2006-01-02 15:04 UTC"))
			c.seenTimeouts[m.ID()] = until
		} else if !ok {
			delete(c.seenTimeouts, m.ID())
		}
	}
	for _, b := range c.w.Sim.Bans(c.w.Guild.ID) {
		if !c.seenBans[b.UserID] {
			fmt.Fprintf(c.out, "🔨 %s is banned (reason: %s)\n", c.name(b.UserID), b.Reason)
			c.seenBans[b.UserID] = true
		}
	}
}

func (c *Console) dms(args []string) {
	people := c.w.People()
	if len(args) > 0 {
		m := c.w.Member(args[0])
		if m == nil {
			fmt.Fprintf(c.out, "✗ no member %q\n", args[0])
			return
		}
		people = []*discordsim.Member{m}
	}
	n := 0
	for _, m := range people {
		for _, d := range c.w.Sim.DMs(m.ID()) {
			c.message("📨 DM to "+m.User.Username, d.Content, d.Embeds)
			n++
		}
		c.seenDMs[m.ID()] = len(c.w.Sim.DMs(m.ID()))
	}
	if n == 0 {
		fmt.Fprintln(c.out, "No DMs.")
	}
}

func (c *Console) bans() {
	bans := c.w.Sim.Bans(c.w.Guild.ID)
	if len(bans) == 0 {
		fmt.Fprintln(c.out, "Nobody is banned.")
	}
	for _, b := range bans {
		fmt.Fprintf(c.out, "🔨 %s (reason: %s)\n", c.name(b.UserID), b.Reason)
	}
}

func (c *Console) timeouts() {
	n := 0
	for _, m := range c.w.People() {
		if until, ok := c.w.Sim.Timeout(c.w.Guild.ID, m.ID()); ok {
			fmt.Fprintf(c.out, "⏱️  %s until %s\n", m.User.Username, until.UTC().Format("2006-01-02 15:04 UTC"))
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(c.out, "Nobody is timed out.")
	}
}

func (c *Console) users() {
	for _, m := range c.w.People() {
		p := m.Permissions()
		what := "member"
		switch {
		case m.ID() == c.w.Guild.OwnerID:
			what = "server owner and bot owner (ADMIN_USER_ID)"
		case p&discordgo.PermissionAdministrator != 0:
			what = "Administrator"
		case p&(discordgo.PermissionBanMembers|discordgo.PermissionModerateMembers) != 0:
			what = "moderator (ban, timeout)"
		}
		fmt.Fprintf(c.out, "  %-10s %s  %s\n", m.User.Username, m.ID(), what)
	}
}

// option builds a typed option from text, after the command's definition.
func (c *Console) option(defs []*discordgo.ApplicationCommandOption, name, value string) (discordsim.Option, error) {
	var def *discordgo.ApplicationCommandOption
	for _, d := range defs {
		if d.Name == name {
			def = d
		}
	}
	if def == nil {
		var names []string
		for _, d := range defs {
			names = append(names, d.Name)
		}
		return discordsim.Option{}, fmt.Errorf("no option %q (options: %s)", name, strings.Join(names, ", "))
	}
	switch def.Type {
	case discordgo.ApplicationCommandOptionInteger:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return discordsim.Option{}, fmt.Errorf("%s: %q is not a whole number", name, value)
		}
		return discordsim.Int(name, n), nil
	case discordgo.ApplicationCommandOptionNumber:
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return discordsim.Option{}, fmt.Errorf("%s: %q is not a number", name, value)
		}
		return discordsim.Number(name, f), nil
	case discordgo.ApplicationCommandOptionBoolean:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return discordsim.Option{}, fmt.Errorf("%s: %q is not true or false", name, value)
		}
		return discordsim.Bool(name, b), nil
	case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionMentionable:
		m := c.member(value)
		if m == nil {
			return discordsim.Option{}, fmt.Errorf("%s: no member %q (members: %s)", name, value, strings.Join(c.names(), ", "))
		}
		return discordsim.User(name, m), nil
	case discordgo.ApplicationCommandOptionChannel:
		return discordsim.Channel(name, c.w.Guild.ChannelID), nil
	case discordgo.ApplicationCommandOptionRole:
		r := c.w.Guild.Role(value)
		if r == nil {
			return discordsim.Option{}, fmt.Errorf("%s: no role %q", name, value)
		}
		return discordsim.RoleOption(name, r), nil
	}
	return discordsim.String(name, value), nil
}

// member resolves "bob", "@bob" or "<@id>".
func (c *Console) member(v string) *discordsim.Member {
	if id, ok := strings.CutPrefix(v, "<@"); ok {
		return c.w.Guild.Member(strings.TrimSuffix(strings.TrimPrefix(id, "!"), ">"))
	}
	return c.w.Member(v)
}

// mentions renders <@id> as @name.
func (c *Console) mentions(s string) string {
	if !strings.Contains(s, "<@") {
		return s
	}
	for _, m := range c.w.People() {
		s = strings.ReplaceAll(s, "<@"+m.ID()+">", "@"+m.User.Username)
		s = strings.ReplaceAll(s, "<@!"+m.ID()+">", "@"+m.User.Username)
	}
	return s
}

func (c *Console) name(userID string) string {
	if m := c.w.Guild.Member(userID); m != nil {
		return m.User.Username
	}
	return userID
}

func (c *Console) names() []string {
	var out []string
	for _, m := range c.w.People() {
		out = append(out, m.User.Username)
	}
	return out
}

// commands lists the slash commands (context menus are reached with
// report).
func (c *Console) commands() []*discordgo.ApplicationCommand {
	cmds := slices.DeleteFunc(append(c.w.Sim.Commands(""), c.w.Sim.Commands(c.w.Guild.ID)...),
		func(c *discordgo.ApplicationCommand) bool { return c.Type != discordgo.ChatApplicationCommand })
	slices.SortFunc(cmds, func(a, b *discordgo.ApplicationCommand) int { return strings.Compare(a.Name, b.Name) })
	return cmds
}

// commandPaths lists every runnable path, such as "/security warn".
func (c *Console) commandPaths() []string {
	var out []string
	var walk func(prefix string, opts []*discordgo.ApplicationCommandOption) bool
	walk = func(prefix string, opts []*discordgo.ApplicationCommandOption) bool {
		found := false
		for _, o := range opts {
			if o.Type == discordgo.ApplicationCommandOptionSubCommand || o.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
				found = true
				if !walk(prefix+" "+o.Name, o.Options) {
					out = append(out, prefix+" "+o.Name)
				}
			}
		}
		return found
	}
	for _, cmd := range c.commands() {
		if !walk("/"+cmd.Name, cmd.Options) {
			out = append(out, "/"+cmd.Name)
		}
	}
	return out
}

// optionDefs returns the options of the command path, or nil.
func (c *Console) optionDefs(path []string) []*discordgo.ApplicationCommandOption {
	for _, cmd := range c.commands() {
		if cmd.Name != path[0] {
			continue
		}
		opts := cmd.Options
		for _, p := range path[1:] {
			var next []*discordgo.ApplicationCommandOption
			for _, o := range opts {
				if o.Name == p {
					next = o.Options
				}
			}
			opts = next
		}
		return opts
	}
	return nil
}

// split breaks a line into words; double quotes group words (and may start
// after name:, as in notes:"two words").
func split(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, has := false, false
	for _, r := range line {
		switch {
		case r == '"':
			in = !in
			has = true
		case (r == ' ' || r == '\t') && !in:
			if has {
				words = append(words, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if in {
		return nil, errors.New("unclosed quote")
	}
	if has {
		words = append(words, cur.String())
	}
	return words, nil
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
