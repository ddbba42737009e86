package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/store"
)

func init() {
	register("export", "write a member's GDPR data export (JSON) to stdout", runExport)
}

// allGuildsAudit is the audit_log guild_id of an operator's export across
// every guild.
const allGuildsAudit = "*"

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := flags("export", "export USER_ID [--guild ID]\n\n"+
		"Writes everything the bot stores about the member as JSON to stdout, in the format of\n"+
		"/security export-data (see the README), from every guild unless --guild is given.\n"+
		"Connects with DATABASE_URL (or DB_*) and records a gdpr_export audit entry first.", stdout)
	guild := fs.String("guild", "", "export only this guild's data (a guild id)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Accept flags after the user id too: export USER_ID --guild ID.
	if fs.NArg() > 1 {
		userID := fs.Arg(0)
		if err := parse(fs, fs.Args()[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("export takes one user id, got %q too", fs.Args())
		}
		return exportUser(userID, *guild, stdout, stderr)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usagef("export: missing USER_ID")
	}
	return exportUser(fs.Arg(0), *guild, stdout, stderr)
}

func exportUser(userID, guildID string, stdout, stderr io.Writer) error {
	if !config.IsSnowflake(userID) {
		return usagef("export: %q is not a Discord user id (17 to 20 digits)", userID)
	}
	if guildID != "" && !config.IsSnowflake(guildID) {
		return usagef("export: --guild %q is not a Discord guild id (17 to 20 digits)", guildID)
	}
	cfg, err := config.Load(false)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
	if err != nil {
		return err
	}
	defer pool.Close()

	subj := privacy.Subject{UserID: userID, GuildID: guildID}
	entry := audit.Entry{GuildID: guildID, ActionType: "gdpr_export", ActorID: operator(), TargetID: userID,
		Details: map[string]any{"command": "embodied export", "allGuilds": subj.AllGuilds()}}
	if subj.AllGuilds() {
		entry.GuildID = allGuildsAudit
	}
	db := store.New(pool)
	if err := db.InTx(ctx, func(tx store.Tx) error { return tx.Audit(ctx, entry) }); err != nil {
		return fmt.Errorf("record the export in the audit log: %w", err)
	}
	counts, err := privacy.New(db, privacy.Options{Dir: cfg.ExportDir, Retention: cfg.ExportRetention}).WriteJSON(ctx, stdout, subj)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "Exported %d rows of %s\n", counts.Total(), userID)
	return nil
}

// operator names who ran the CLI, for the audit record.
func operator() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return "operator:" + name
}
