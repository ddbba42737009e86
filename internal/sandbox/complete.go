package sandbox

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

var keywords = []string{"as", "bans", "click", "deleted", "dms", "help", "logs", "quit", "report", "say", "timeouts", "users"}

// Complete returns the candidates for the last word of line: console
// keywords and slash commands first, members after `as` and `dms`,
// subcommands and option names (as name:) after a command, and members as
// the value of a user option.
func (c *Console) Complete(line string) []string {
	words, _ := split(line)
	partial := ""
	if len(words) > 0 && !strings.HasSuffix(line, " ") {
		partial, words = words[len(words)-1], words[:len(words)-1]
	}
	if len(words) >= 2 && words[0] == "as" {
		words = words[2:]
	} else if len(words) == 1 && (words[0] == "as" || words[0] == "dms" || words[0] == "report") {
		return withPrefix(c.names(), partial)
	}
	if len(words) == 0 {
		var all []string
		all = append(all, keywords...)
		for _, cmd := range c.commands() {
			all = append(all, "/"+cmd.Name)
		}
		return withPrefix(all, partial)
	}
	if !strings.HasPrefix(words[0], "/") {
		return nil
	}
	path := []string{strings.TrimPrefix(words[0], "/")}
	for _, w := range words[1:] {
		if strings.Contains(w, ":") {
			break
		}
		path = append(path, w)
	}
	defs := c.optionDefs(path)
	var subs, opts []string
	used := map[string]bool{}
	for _, w := range words[1:] {
		if name, _, ok := strings.Cut(w, ":"); ok {
			used[name] = true
		}
	}
	for _, d := range defs {
		if d.Type == discordgo.ApplicationCommandOptionSubCommand || d.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
			subs = append(subs, d.Name)
		} else if !used[d.Name] {
			opts = append(opts, d.Name+":")
		}
	}
	if len(subs) > 0 {
		return withPrefix(subs, partial)
	}
	if name, value, ok := strings.Cut(partial, ":"); ok {
		for _, d := range defs {
			if d.Name != name {
				continue
			}
			var vals []string
			switch {
			case d.Type == discordgo.ApplicationCommandOptionUser || d.Type == discordgo.ApplicationCommandOptionMentionable:
				vals = c.names()
			case len(d.Choices) > 0:
				for _, ch := range d.Choices {
					vals = append(vals, toString(ch.Value))
				}
			case d.Type == discordgo.ApplicationCommandOptionBoolean:
				vals = []string{"false", "true"}
			}
			var out []string
			for _, v := range withPrefix(vals, strings.TrimPrefix(value, "@")) {
				out = append(out, name+":"+v)
			}
			return out
		}
		return nil
	}
	return withPrefix(opts, partial)
}

func toString(v any) string { return fmt.Sprint(v) }

func withPrefix(all []string, prefix string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CompleteLine applies completion to line: the last word grows to the
// candidates' common prefix (plus a space when only one fits). It returns
// the new line and the candidates to list when several fit.
func (c *Console) CompleteLine(line string) (string, []string) {
	cands := c.Complete(line)
	if len(cands) == 0 {
		return line, nil
	}
	start := strings.LastIndexByte(line, ' ') + 1
	if len(cands) == 1 {
		suffix := " "
		if strings.HasSuffix(cands[0], ":") {
			suffix = ""
		}
		return line[:start] + cands[0] + suffix, nil
	}
	common := cands[0]
	for _, s := range cands[1:] {
		for !strings.HasPrefix(s, common) {
			common = common[:len(common)-1]
		}
	}
	if len(common) > len(line)-start {
		return line[:start] + common, nil
	}
	return line, cands
}
