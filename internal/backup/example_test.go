package backup_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/config"
)

// The /security backup command: defer the reply with StartingMessage, edit
// it with progress on long dumps, then answer with Summary. A backup that is
// already running is answered with the error's own text.
func ExampleEngine_Run() {
	cfg := &config.Config{BackupDir: "backups", MigrationURL: "postgres://embodied_owner@localhost/embodied_dating_bot"}
	e, err := backup.New(backup.OptionsFromConfig(cfg), slog.Default())
	if err != nil {
		panic(err)
	}
	reply := func(text string) { fmt.Println(text) } // edits the deferred interaction reply

	reply(backup.StartingMessage)
	res, err := e.Run(context.Background(), backup.Request{
		Trigger:  backup.TriggerManual,
		Progress: func(n int64) { reply(fmt.Sprintf("Backing up... %s written", backup.FormatSize(n))) },
	})
	var running *backup.RunningError
	switch {
	case errors.As(err, &running):
		reply(running.Error()) // "A backup is already running (started 2025-10-07 14:30:15 UTC)"
	case err != nil:
		reply("Backup failed: " + err.Error())
	default:
		reply(res.Summary()) // "Backup completed!\nFile: backup-….sql.gz\nSize: 2.34 MB"
		if backup.SizeLevel(res.Size) != backup.LevelOK {
			reply("Backup size is " + backup.SizeLevel(res.Size))
		}
	}
}

// The daily job: the wiring's Reporter audits every run and alerts the
// owners on failures and oversized backups, and the scheduler stops on
// shutdown.
func ExampleScheduler() {
	cfg := &config.Config{BackupDir: "backups", BackupCron: "0 3 * * *", MigrationURL: "postgres://embodied_owner@localhost/embodied_dating_bot"}
	e, err := backup.New(backup.OptionsFromConfig(cfg), slog.Default())
	if err != nil {
		panic(err)
	}
	s, err := backup.NewScheduler(e, backup.SchedulerOptions{
		Spec: cfg.BackupCron,
		Report: &backup.Reporter{
			Actor: audit.SystemActor,
			Audit: func(_ context.Context, entry audit.Entry) error {
				fmt.Println("audit: backup", entry.Details)
				return nil
			},
			Alert: func(_ context.Context, text string) error {
				fmt.Fprintln(os.Stderr, "alert the owners:", text)
				return nil
			},
		},
	}, slog.Default())
	if err != nil {
		panic(err)
	}
	if err := s.Start(context.Background()); err != nil {
		panic(err)
	}
	defer s.Stop(context.Background())
}
