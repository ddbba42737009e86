//go:build unix

package health

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// diskFree returns the bytes available to unprivileged users on the file
// system holding dir (or its nearest existing parent), -1 when unknown.
func diskFree(dir string) int64 {
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return -1
		}
		dir = parent
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize) //nolint:unconvert // field types differ across platforms
}
