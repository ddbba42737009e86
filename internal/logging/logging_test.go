package logging

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)

func TestTextFormat(t *testing.T) {
	tests := []struct {
		name string
		log  func(o Options, b *bytes.Buffer)
		want string
	}{
		{
			name: "component prefix and seed keys",
			log: func(o Options, b *bytes.Buffer) {
				l, _, _ := New(b, o)
				Component(l, "RateLimiter").Warn("Rate limit exceeded", "userId", "123456789012345678", "commandName", "submit-stats")
			},
			want: "WARN [RateLimiter] Rate limit exceeded userId=123456789012345678 commandName=submit-stats\n",
		},
		{
			name: "quoted values, groups and no component",
			log: func(o Options, b *bytes.Buffer) {
				l, _, _ := New(b, o)
				l.WithGroup("db").Info("Started", "reason", "two words", "n", 3)
			},
			want: "INFO Started db.reason=\"two words\" db.n=3\n",
		},
		{
			name: "debug filtered at info",
			log: func(o Options, b *bytes.Buffer) {
				l, _, _ := New(b, o)
				l.Debug("hidden")
			},
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.log(Options{Format: "text", Level: "info"}, &b)
			got := timestamp.ReplaceAllString(b.String(), "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONFormat(t *testing.T) {
	var b bytes.Buffer
	l, _, err := New(&b, Options{Format: "json", Level: "info"})
	if err != nil {
		t.Fatal(err)
	}
	Component(l, "WarningSystem").Info("User warned", "userId", "42", "totalWarnings", 1)
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "time")
	want := map[string]any{"level": "INFO", "msg": "User warned", "component": "WarningSystem", "userId": "42", "totalWarnings": float64(1)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestFileRotation(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "logs", "bot.log")
	var console bytes.Buffer
	l, closer, err := New(&console, Options{Format: "text", Level: "info", File: file, MaxSizeMB: 1, MaxBackups: 2})
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 1000)
	for i := 0; i < 2500; i++ { // ~2.5 MB: at least two rotations at 1 MB
		Component(l, "HealthCheck").Info("Memory:", "pad", line)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	// Old backups are removed by lumberjack in the background: wait for it.
	var entries []os.DirEntry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if entries, err = os.ReadDir(filepath.Dir(file)); err != nil {
			t.Fatal(err)
		}
		if len(entries) <= 3 || time.Now().After(deadline) {
			break
		}
	}
	if len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("want bot.log and 2 rotated backups, got %v", names)
	}
	for _, e := range entries {
		info, _ := e.Info()
		if info.Size() > 1<<20 {
			t.Errorf("%s is %d bytes, over the 1 MB limit", e.Name(), info.Size())
		}
	}
	if !strings.Contains(console.String(), "[HealthCheck] Memory:") {
		t.Error("console output missing while logging to a file")
	}
}
