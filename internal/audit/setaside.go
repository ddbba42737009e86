package audit

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// SetAsideRecord is a record kept aside for a human, beside the fallback
// file: either an event the database refused (Audit or Security is set,
// Error says why), in <fallback>.rejected, or a line of the fallback file
// that could not be read (Raw, verbatim), in <fallback>.quarantine.
// Set-aside records are never deleted by the bot.
type SetAsideRecord struct {
	Audit    *Entry         `json:"audit,omitempty"`
	Security *SecurityEvent `json:"security,omitempty"`
	Error    string         `json:"error,omitempty"`
	At       time.Time      `json:"setAsideAt"`
	Raw      string         `json:"-"`
}

// setAside describes r, refused by the database with err at now.
func setAside(r record, err error, now time.Time) SetAsideRecord {
	return SetAsideRecord{Audit: r.Audit, Security: r.Security, Error: err.Error(), At: now.UTC()}
}

// key identifies a set-aside record, so that one set aside again (a replay
// interrupted after it) is kept once.
func (s SetAsideRecord) key() string {
	switch {
	case s.Audit != nil && s.Audit.EventID != "":
		return "event:" + s.Audit.EventID
	case s.Security != nil && s.Security.EventID != "":
		return "event:" + s.Security.EventID
	default:
		return "line:" + s.Raw
	}
}

// RejectedPath names the file of records refused by the database, beside
// the fallback file at path.
func RejectedPath(path string) string { return path + ".rejected" }

// QuarantinePath names the file of unreadable fallback lines, beside the
// fallback file at path.
func QuarantinePath(path string) string { return path + ".quarantine" }

// ReadSetAside returns the records set aside beside the fallback file at
// path: the refused ones in the order they were set aside, then the
// quarantined lines.
func ReadSetAside(path string) ([]SetAsideRecord, error) {
	var out []SetAsideRecord
	err := eachLine(RejectedPath(path), func(line []byte) {
		var s SetAsideRecord
		if json.Unmarshal(line, &s) != nil || (s.Audit == nil && s.Security == nil) {
			s = SetAsideRecord{Raw: string(line), Error: "unreadable line in " + RejectedPath(path)}
		}
		out = append(out, s)
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(QuarantinePath(path), func(line []byte) {
		out = append(out, SetAsideRecord{Raw: string(line), Error: "unreadable line of the fallback file"})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setAsideFiles keeps set-aside records, each once, and counts them.
type setAsideFiles struct {
	base string // the fallback file
	mu   sync.Mutex
	kept map[string]bool
}

func openSetAside(base string) (*setAsideFiles, error) {
	recs, err := ReadSetAside(base)
	if err != nil {
		return nil, fmt.Errorf("read the audit set-aside files: %w", err)
	}
	s := &setAsideFiles{base: base, kept: make(map[string]bool, len(recs))}
	for _, r := range recs {
		s.kept[r.key()] = true
	}
	return s, nil
}

func (s *setAsideFiles) rejectedPath() string   { return RejectedPath(s.base) }
func (s *setAsideFiles) quarantinePath() string { return QuarantinePath(s.base) }

func (s *setAsideFiles) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.kept)
}

// add keeps refused records and unreadable lines not already kept, fsync'd,
// and returns how many it added.
func (s *setAsideFiles) add(refused []SetAsideRecord, lines [][]byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var newRecs []SetAsideRecord
	var newLines [][]byte
	var keys []string
	for _, r := range refused {
		if k := r.key(); !s.kept[k] {
			newRecs, keys = append(newRecs, r), append(keys, k)
		}
	}
	for _, l := range lines {
		if k := (SetAsideRecord{Raw: string(l)}).key(); !s.kept[k] {
			newLines, keys = append(newLines, l), append(keys, k)
		}
	}
	recLines, err := jsonLines(newRecs)
	if err != nil {
		return 0, err
	}
	if err := appendLines(s.rejectedPath(), recLines); err != nil {
		return 0, err
	}
	if err := appendLines(s.quarantinePath(), newLines); err != nil {
		return 0, err
	}
	for _, k := range keys {
		s.kept[k] = true
	}
	return len(keys), nil
}
