package command

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/embodied-community/embodied/internal/lockdown"
	"github.com/embodied-community/embodied/internal/middleware"
)

// registerLockdown declares /security lockdown and /security unlock
// (admins; audited; they apply in safe mode too: a lockdown is a human
// decision, not automation). It needs Deps.Lockdown.
func registerLockdown(reg Registry, d Deps) {
	if d.Lockdown == nil {
		return
	}
	channel := middleware.Option{Name: "channel", Description: "The channel (default: every text, announcement and forum channel)",
		Type: middleware.Channel}
	reason := middleware.Option{Name: "reason", Description: "Why (shown in Discord's audit log)", Type: middleware.String, MaxLength: 400}
	reg.Add(
		middleware.Spec{
			Name: "security lockdown", Description: "Stop @everyone from sending messages and starting threads",
			Options: []middleware.Option{channel,
				{Name: "duration", Description: "Lift it by itself after e.g. 30m, 2h, 1d (default: until /security unlock)",
					Type: middleware.String, MaxLength: 20},
				reason},
			Policy: staff(middleware.Admin, "lockdown", middleware.External),
			Check: func(_ context.Context, in *middleware.Interaction) error {
				if s := in.String("duration"); s != "" {
					if _, err := lockdown.ParseDuration(s); err != nil {
						return middleware.Errorf("❌ %s", err)
					}
				}
				return nil
			},
			Defer: true,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				req := lockdownRequest(in)
				var until string
				if s := in.String("duration"); s != "" {
					dur, _ := lockdown.ParseDuration(s)
					req.Until = d.Now().Add(dur)
					until = fmt.Sprintf(" until <t:%d:f>", req.Until.Unix())
				}
				rep, err := d.Lockdown.Lock(ctx, req)
				if err != nil {
					return err
				}
				lockdownDetails(in, rep)
				head := "🔒 " + rep.Summary("locked") + until + "."
				if len(rep.Done)+len(rep.Again) == 0 {
					head = "❌ Nothing locked."
				}
				return in.Say(ctx, "%s", clip(head+failures(rep), 1900))
			},
		},
		middleware.Spec{
			Name: "security unlock", Description: "Lift a lockdown, restoring the channels' permissions exactly",
			Options: []middleware.Option{{Name: "channel", Description: "The channel (default: every locked channel)", Type: middleware.Channel},
				reason},
			Policy: staff(middleware.Admin, "unlock", middleware.External),
			Defer:  true,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				rep, err := d.Lockdown.Unlock(ctx, lockdownRequest(in))
				if err != nil {
					return err
				}
				lockdownDetails(in, rep)
				head := "🔓 " + rep.Summary("unlocked") + "."
				if len(rep.Done) == 0 && len(rep.Failed) == 0 {
					head = "Nothing is locked."
				}
				return in.Say(ctx, "%s", clip(head+failures(rep), 1900))
			},
		},
	)
}

func lockdownRequest(in *middleware.Interaction) lockdown.Request {
	req := lockdown.Request{GuildID: in.GuildID, Reason: in.String("reason"), ActorID: in.User.ID,
		ActorName: fmt.Sprintf("%s (%s)", in.User.Username, in.User.ID)}
	if ch := in.String("channel"); ch != "" {
		req.ChannelIDs = []string{ch}
	}
	return req
}

// lockdownDetails adds the channels to the command's audit record.
func lockdownDetails(in *middleware.Interaction, rep lockdown.Report) {
	in.Detail("channels", rep.Done)
	if len(rep.Failed) > 0 {
		in.Detail("failed", len(rep.Failed))
	}
}

// failures lists the channels Discord or the request refused, one a line.
func failures(rep lockdown.Report) string {
	var b strings.Builder
	for _, f := range rep.Failed {
		why := f.Err.Error()
		for _, e := range []error{lockdown.ErrForbidden, lockdown.ErrUnknownChannel, lockdown.ErrNotLockable, lockdown.ErrNotLocked} {
			if errors.Is(f.Err, e) {
				why = e.Error()
			}
		}
		fmt.Fprintf(&b, "\n⚠️ <#%s>: %s", f.ChannelID, why)
	}
	return b.String()
}
