package loadbench

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/proctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.RemoveBinaries()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
