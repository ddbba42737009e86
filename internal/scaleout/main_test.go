package scaleout

import (
	"testing"

	"github.com/embodied-community/embodied/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }
