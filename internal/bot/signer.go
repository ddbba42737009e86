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
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

// LoadKey returns the configured key, or the one generated on first start
// and kept in bot_settings, so that buttons keep working across restarts and
// across processes.
func LoadKey(ctx context.Context, pool *pgxpool.Pool, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("generate component signing key: %w", err)
	}
	var key string
	err := pool.QueryRow(ctx, `
		INSERT INTO bot_settings (key, value) VALUES ('component_signing_key', $1)
		ON CONFLICT (key) DO NOTHING
		RETURNING value`, hex.EncodeToString(b[:])).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		err = pool.QueryRow(ctx, `SELECT value FROM bot_settings WHERE key = 'component_signing_key'`).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("load component signing key: %w", err)
	}
	return hex.DecodeString(key)
}
