package bot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
)

// Signer signs component custom ids so that a click can only carry ids the
// bot issued, for the guild it issued them in.
type Signer struct{ key []byte }

// NewSigner returns a Signer using key.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

const sigLen = 16 // base64url characters of HMAC-SHA256 (96 bits)

// Sign returns "action|arg…|guild|sig", at most Discord's 100 characters.
func (s *Signer) Sign(action, guildID string, args ...string) (string, error) {
	body := strings.Join(append(append([]string{action}, args...), guildID), "|")
	id := body + "|" + s.mac(body)
	if len(id) > 100 {
		return "", fmt.Errorf("custom id for %s is %d characters, over Discord's 100", action, len(id))
	}
	return id, nil
}

// MustSign is Sign for ids known to fit.
func (s *Signer) MustSign(action, guildID string, args ...string) string {
	id, err := s.Sign(action, guildID, args...)
	if err != nil {
		panic(err)
	}
	return id
}

func (s *Signer) mac(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:sigLen]
}

// ErrForged is returned for a custom id the bot did not sign.
var ErrForged = errors.New("component id not signed by this bot")

// Verify checks id and returns its action, guild and arguments.
func (s *Signer) Verify(id string) (action, guildID string, args []string, err error) {
	parts := strings.Split(id, "|")
	if len(parts) < 3 {
		return "", "", nil, ErrForged
	}
	body := strings.Join(parts[:len(parts)-1], "|")
	if !hmac.Equal([]byte(parts[len(parts)-1]), []byte(s.mac(body))) {
		return "", "", nil, ErrForged
	}
	return parts[0], parts[len(parts)-2], parts[1 : len(parts)-2], nil
}

// KeySource says where the component signing key comes from.
type KeySource struct {
	// Configured is COMPONENT_SIGNING_KEY; when set it is the key.
	Configured string
	// File is COMPONENT_SIGNING_KEY_FILE: the key in hex, created with mode
	// 0600 on first start. "" keeps a key in memory only (tests): buttons
	// then stop verifying at restart.
	File string
	// Logger receives LoadKey's lines, tagged with the component Bot
	// (default discarded).
	Logger *slog.Logger
}

// Settings reads and deletes bot_settings keys (a *store.Store).
type Settings interface {
	Setting(ctx context.Context, key string) (string, error)
	DeleteSetting(ctx context.Context, key string) error
}

var _ Settings = (*store.Store)(nil)

// keyRow is where versions before migration 065 kept the key.
const keyRow = "component_signing_key"

// LoadKey returns the component signing key: the configured one, or the
// one in the key file, created on first start. The key is never kept in
// the database, whose backups leave the machine: a key an earlier version
// stored in bot_settings is moved to the key file when there is none yet
// (so buttons already posted keep working), then deleted from the
// database.
func LoadKey(ctx context.Context, settings Settings, src KeySource) ([]byte, error) {
	log := src.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = logging.Component(log, "Bot")
	stored, err := settings.Setting(ctx, keyRow)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read the signing key left in the database: %w", err)
	}
	key, err := resolveKey(src, stored, log)
	if err != nil {
		return nil, err
	}
	if stored != "" {
		if err := settings.DeleteSetting(ctx, keyRow); err != nil {
			return nil, fmt.Errorf("delete the signing key from the database: %w", err)
		}
		log.Info("Component signing key deleted from the database (bot_settings)", "keyFile", src.File)
	}
	return key, nil
}

// resolveKey picks the key: configured, then the key file, then the key
// left in the database (written to the key file), then a new one.
func resolveKey(src KeySource, stored string, log *slog.Logger) ([]byte, error) {
	if src.Configured != "" {
		return []byte(src.Configured), nil
	}
	if src.File == "" {
		log.Warn("No COMPONENT_SIGNING_KEY_FILE: the component signing key lives in memory, buttons stop working at restart")
		if stored != "" {
			return decodeKey(stored, "the database's signing key")
		}
		return newKey()
	}
	key, err := readKeyFile(src.File)
	if err == nil {
		if stored != "" && stored != hex.EncodeToString(key) {
			log.Warn("The database held another component signing key than the key file; the key file wins, buttons signed with the other key stop working",
				"keyFile", src.File)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if stored != "" {
		key, err = decodeKey(stored, "the database's signing key")
		log.Info("Component signing key moved from the database to the key file", "keyFile", src.File)
	} else {
		key, err = newKey()
		log.Info("Component signing key created", "keyFile", src.File)
	}
	if err != nil {
		return nil, err
	}
	return writeKeyFile(src.File, key)
}

func newKey() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate component signing key: %w", err)
	}
	return key, nil
}

func decodeKey(text, what string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) < 32 {
		// Never quote the text: it is the key.
		return nil, fmt.Errorf("%s is not 32 or more bytes in hex", what)
	}
	return key, nil
}

// readKeyFile reads the key file, refusing one that others may read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the component signing key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the component signing key file %s has mode %04o: others may read it; run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	text, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return decodeKey(string(text), "the component signing key file "+path)
}

// writeKeyFile creates path with key, mode 0600. It writes a temporary
// file and links it into place, so a crash leaves no half-written key and
// of two processes starting at once the second reads the first's key.
func writeKeyFile(path string, key []byte) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the directory of the component signing key file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".signing-key-*")
	if err != nil {
		return nil, fmt.Errorf("create the component signing key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write the component signing key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	} else if err != nil {
		return nil, fmt.Errorf("put the component signing key file in place: %w", err)
	}
	return key, nil
}
