package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/store"
)

// checkSigningKey checks that the key signing the bot's buttons stays out
// of the database, whose backups leave the machine, and out of other users'
// reach: a key file others may read fails; a key an earlier version left
// in bot_settings warns until the bot's next start moves it to the file.
func checkSigningKey(ctx context.Context, r *Report, cfg *config.Config, db *store.Store) {
	const name = "component signing key outside the database"
	where := "COMPONENT_SIGNING_KEY is set"
	if cfg.ComponentSigningKey == "" && cfg.ComponentSigningKeyFile == "" {
		r.add(Warn, name, "no COMPONENT_SIGNING_KEY_FILE: the key lives in memory only and buttons stop working at restart",
			"set COMPONENT_SIGNING_KEY_FILE (default keys/component-signing.key)")
		return
	}
	if cfg.ComponentSigningKey == "" {
		path, _ := filepath.Abs(cfg.ComponentSigningKeyFile)
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			where = path + " is created on first start"
		case err != nil:
			r.add(Fail, name, err.Error(), "make "+filepath.Dir(path)+" readable by the bot's user, or set COMPONENT_SIGNING_KEY_FILE")
			return
		case !st.Mode().IsRegular():
			r.add(Fail, name, path+" is not a file", "set COMPONENT_SIGNING_KEY_FILE to the key file's path")
			return
		case st.Mode().Perm()&0o077 != 0:
			r.add(Fail, name, fmt.Sprintf("%s has mode %04o: others may read it and forge the bot's buttons", path, st.Mode().Perm()),
				"chmod 600 "+path+" (and check who could read it: replace it to rotate the key)")
			return
		default:
			where = fmt.Sprintf("in %s with mode %04o", path, st.Mode().Perm())
		}
		if db != nil {
			if inDB, err := db.HasStoredSigningKey(ctx); err == nil && inDB {
				r.add(Warn, name, "the key is still in the database (bot_settings), so in every backup: the bot's next start moves it to "+path+" and deletes it",
					"start the bot once (`embodied run`); backups taken before hold the key: rotate it if they may have leaked")
				return
			}
		}
	}
	r.add(Pass, name, where, "")
}
