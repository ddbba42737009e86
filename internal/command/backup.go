package command

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/middleware"
)

// progressEvery is how often a long dump's progress is shown.
const progressEvery = 3 * time.Second

func registerBackup(reg Registry, d Deps) {
	if d.Backup == nil {
		return
	}
	reg.Add(middleware.Spec{
		Name: "security backup", Description: "Back up the database now (bot owner only)",
		Options: []middleware.Option{{Name: "label", Description: "Keep-forever label, e.g. pre-phase11-prod", Type: middleware.String, MaxLength: 40}},
		// A dump holds every guild's data: bot owners only. It works
		// whether or not automatic backups are on.
		Policy: middleware.Policy{Level: middleware.Owner, Ephemeral: true, ActionType: "backup", Effect: middleware.External},
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			label := in.String("label")
			if label != "" && !backup.ValidLabel(label) {
				return middleware.Errorf("❌ `label` may use lowercase letters, digits and dashes only.")
			}
			if err := in.Say(ctx, backup.StartingMessage); err != nil {
				return err
			}
			var mu sync.Mutex
			last := time.Now()
			res, err := d.Backup.Run(ctx, backup.Request{Label: label, Trigger: backup.TriggerManual,
				Progress: func(n int64) {
					mu.Lock()
					defer mu.Unlock()
					if time.Since(last) < progressEvery {
						return
					}
					last = time.Now()
					_ = in.Reply.Edit(ctx, middleware.Response{Content: fmt.Sprintf("%s\nWritten so far: %s", backup.StartingMessage, backup.FormatSize(n))})
				}})
			mu.Lock()
			defer mu.Unlock()
			var running *backup.RunningError
			if errors.As(err, &running) {
				in.Detail("refused", running.Error())
				return in.Reply.Edit(ctx, middleware.Response{Content: running.Error()})
			}
			// The audit middleware writes the record, with the details added here.
			out := backup.Outcome{Trigger: backup.TriggerManual, Label: label, Result: res, Err: err}
			_ = (&backup.Reporter{Metrics: d.Metrics, Now: d.Now}).Report(ctx, out)
			if err != nil {
				if eerr := in.Reply.Edit(ctx, middleware.Response{Content: "❌ Backup failed: " + err.Error()}); eerr != nil {
					return errors.Join(err, eerr)
				}
				return err
			}
			in.Detail("file", res.File)
			in.Detail("size", res.Size)
			in.Detail("sha256", res.SHA256)
			text := res.Summary()
			if lvl := out.SizeLevel(); lvl != backup.LevelOK {
				text += fmt.Sprintf("\n⚠️ Backup size is at the %s level (%s): consider the retention policy.", lvl, backup.Thresholds())
			}
			return in.Reply.Edit(ctx, middleware.Response{Content: text})
		},
	})
}
