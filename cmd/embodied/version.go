package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/embodied-community/embodied/internal/schema"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func init() {
	register("version", "print the version, Go version and schema version", func(args []string, stdout, _ io.Writer) error {
		if err := parse(flags("version", "version", stdout), args); err != nil {
			return err
		}
		goVersion, revision := "unknown", ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			goVersion = bi.GoVersion
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					revision = s.Value
				}
			}
		}
		fmt.Fprintf(stdout, "embodied %s (commit %s, %s, schema %03d)\n", version, revision, goVersion, schema.Latest())
		return nil
	})
}
