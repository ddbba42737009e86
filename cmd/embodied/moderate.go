package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/store"
)

func init() {
	register("moderate", "check lines of text on stdin, one JSON verdict per line", func(args []string, stdout, stderr io.Writer) error {
		return moderate(args, os.Stdin, stdout, stderr)
	})
}

// rulesFile is the --rules format: moderation.Rules in JSON, e.g.
//
//	{"keywords": [{"pattern": "melon*", "category": "insult", "severity": "high"}],
//	 "allow": ["scunthorpe"], "disabled": ["sexual"],
//	 "regexes": ["(?i)\\bmelon\\d+"], "regexCategory": "spam", "regexSeverity": "low"}
type rulesFile struct {
	Keywords []struct {
		Pattern  string              `json:"pattern"`
		Category moderation.Category `json:"category"`
		Severity moderation.Severity `json:"severity"`
	} `json:"keywords"`
	Allow         []string              `json:"allow"`
	Disabled      []moderation.Category `json:"disabled"`
	Regexes       []string              `json:"regexes"`
	RegexCategory moderation.Category   `json:"regexCategory"`
	RegexSeverity moderation.Severity   `json:"regexSeverity"`
	NoBuiltin     bool                  `json:"noBuiltin"`
}

// moderate is "embodied moderate" with its input injected, for tests.
func moderate(args []string, stdin io.Reader, stdout, _ io.Writer) error {
	fs := flags("moderate", "moderate [--guild ID | --rules FILE] < lines\n\n"+
		"Reads lines of text on stdin and writes one JSON verdict per line:\n"+
		"{\"flagged\", \"reason\", \"category\", \"severity\", \"matches\": [{\"category\", \"severity\", \"term\", \"start\", \"end\"}]}\n"+
		"(byte ranges in the line). Without flags, the built-in rules apply.\n", stdout)
	guildID := fs.String("guild", "", "use this guild's rules from the database (DATABASE_URL or DB_*)")
	rulesPath := fs.String("rules", "", "use the rules in this JSON `file` ({\"keywords\": [{\"pattern\", \"category\", \"severity\"}], \"allow\", \"disabled\", \"regexes\", \"regexCategory\", \"regexSeverity\", \"noBuiltin\"})")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("moderate takes no arguments (text comes on stdin)")
	}
	var engine *moderation.Engine
	switch {
	case *guildID != "" && *rulesPath != "":
		return usagef("moderate: --guild and --rules exclude each other")
	case *rulesPath != "":
		e, err := loadRulesFile(*rulesPath)
		if err != nil {
			return err
		}
		engine = e
	case *guildID != "":
		if !config.IsSnowflake(*guildID) {
			return usagef("moderate: --guild %q is not a Discord id", *guildID)
		}
		g, err := guildRules(*guildID)
		if err != nil {
			return err
		}
		engine = g.Engine()
	default:
		engine = moderation.Default()
	}
	return moderation.RunCLI(stdin, stdout, engine)
}

// loadRulesFile compiles a --rules file; any problem with it is a usage
// error (exit 2).
func loadRulesFile(path string) (*moderation.Engine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("moderate: %v", err)
	}
	var f rulesFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, usagef("moderate: rules file %s: %v", path, err)
	}
	r := moderation.Rules{Allow: f.Allow, Disabled: f.Disabled, Regexes: f.Regexes,
		RegexCategory: f.RegexCategory, RegexSeverity: f.RegexSeverity, NoBuiltin: f.NoBuiltin}
	for _, k := range f.Keywords {
		r.Keywords = append(r.Keywords, moderation.Keyword{Pattern: k.Pattern, Category: k.Category, Severity: k.Severity})
	}
	e, err := moderation.New(r)
	if err != nil {
		return nil, usagef("moderate: rules file %s: %v", path, err)
	}
	return e, nil
}

// guildRules compiles a guild's stored rules.
func guildRules(guildID string) (*modrules.Guild, error) {
	cfg, err := config.Load(false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	r, err := modrules.New(store.New(pool), modrules.Options{}).Rules(ctx, guildID)
	if err != nil {
		return nil, err
	}
	g, err := r.CompileStored()
	if err != nil {
		return nil, fmt.Errorf("rules of guild %s: %w", guildID, err)
	}
	for _, d := range g.Disabled {
		fmt.Fprintf(os.Stderr, "regex %q is disabled: %s\n", d.Pattern, d.Reason)
	}
	return g, nil
}
