//go:build !linux

package sandbox

import (
	"context"
	"os"
)

// Interactive runs the console line by line; the line editor with Tab
// completion exists on Linux only.
func (c *Console) Interactive(ctx context.Context, in *os.File) error {
	return c.Run(ctx, in)
}
