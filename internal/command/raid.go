package command

import (
	"context"
	"time"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/raid"
)

// raidLevels are the verification levels raid mode may raise a guild to.
var raidLevels = []string{"low", "medium", "high", "highest"}

// registerRaid declares /security raid (admins; audited): without options
// it shows the server's raid settings and whether raid mode is on; each
// option changes one setting. It needs Deps.Raids.
func registerRaid(reg Registry, d Deps) {
	if d.Raids == nil {
		return
	}
	integer := func(name, desc string, lo, hi int64) middleware.Option {
		return middleware.Option{Name: name, Description: desc, Type: middleware.Integer, HasRange: true, Min: lo, Max: hi}
	}
	reg.Add(middleware.Spec{
		Name: "security raid", Description: "Raid detection: show or change this server's thresholds and response",
		Options: []middleware.Option{
			integer("joins", "Joins within the window that can trigger raid mode (default 10)", 2, 1000),
			integer("window-seconds", "The window, in seconds (default 60)", 5, 3600),
			integer("young-percent", "Share of young accounts among those joins, in percent (default 50)", 0, 100),
			integer("young-days", "An account younger than this many days is young (default 7)", 1, 365),
			{Name: "action", Description: "What raid mode does with enforcement on (default timeout)", Type: middleware.String,
				Choices: []string{string(raid.ActionTimeout), string(raid.ActionVerification)}},
			integer("timeout-minutes", "Timeout of each new member during raid mode (default 10)", 1, 40320),
			{Name: "level", Description: "Verification level raid mode raises the server to (default high)", Type: middleware.String,
				Choices: raidLevels},
			integer("quiet-minutes", "Raid mode ends after this many minutes without a young account joining (default 10)", 1, 1440),
		},
		Policy: staff(middleware.Admin, "raid-settings", middleware.External),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			set, err := d.Raids.Settings(ctx, in.GuildID)
			if err != nil {
				return err
			}
			changed := applyRaidOptions(in, &set)
			if changed {
				if err := d.Raids.Configure(ctx, in.GuildID, in.User.ID, set); err != nil {
					return middleware.Errorf("%s", err.Error())
				}
			}
			text := "Raid detection: " + set.Describe() + "."
			if changed {
				text = "✅ " + text
			}
			// From the database: the process answering may not be the
			// one that sees the guild's joins.
			if st, ok, err := d.Raids.Status(ctx, in.GuildID); err != nil {
				return err
			} else if ok {
				text += "\n🚨 Raid mode is on since " + st.StartedAt.UTC().Format("2006-01-02 15:04:05") + " UTC."
			}
			return in.Say(ctx, "%s", text)
		},
	})
}

// applyRaidOptions sets what the command's options change and reports
// whether any did.
func applyRaidOptions(in *middleware.Interaction, set *raid.Settings) bool {
	changed := false
	ints := []struct {
		name string
		set  func(int64)
	}{
		{"joins", func(v int64) { set.Joins = int(v) }},
		{"window-seconds", func(v int64) { set.Window = time.Duration(v) * time.Second }},
		{"young-percent", func(v int64) { set.YoungPercent = int(v) }},
		{"young-days", func(v int64) { set.YoungAge = time.Duration(v) * 24 * time.Hour }},
		{"timeout-minutes", func(v int64) { set.TimeoutFor = time.Duration(v) * time.Minute }},
		{"quiet-minutes", func(v int64) { set.Quiet = time.Duration(v) * time.Minute }},
	}
	for _, o := range ints {
		if v, ok := in.Int(o.name); ok {
			o.set(v)
			changed = true
		}
	}
	if a := in.String("action"); a != "" {
		set.Action, changed = raid.Action(a), true
	}
	for i, l := range raidLevels {
		if in.String("level") == l {
			set.Level, changed = i+1, true
		}
	}
	return changed
}
