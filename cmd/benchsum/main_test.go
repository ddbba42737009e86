package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSummarise(t *testing.T) {
	in := `goos: linux
BenchmarkThroughput/ours-2         	     100	  1000 ns/op	  30.00 MB/s	  0 B/op	  2 allocs/op
BenchmarkThroughput/baseline-goaway-2	      10	  9000 ns/op	  10.00 MB/s	  64 B/op	  8 allocs/op
BenchmarkChain/ours-2 	 500	 2000 ns/op	 10 allocs/op
BenchmarkChain/baseline-bare-2 	 900	 1000 ns/op	 0 allocs/op
BenchmarkLonely-2 	 900	 1000 ns/op
PASS
`
	groups, order := parse(strings.NewReader(in))
	var b strings.Builder
	summarise(&b, groups, order)
	want := `BENCH Throughput 30 MB/s vs goaway 10 MB/s ratio 3.000
BENCH Throughput 2 allocs/op vs goaway 8 allocs/op ratio 0.250
BENCH Chain 2000 ns/op vs bare 1000 ns/op ratio 2.000
BENCH Chain 10 allocs/op vs bare 0 allocs/op ratio inf
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
}
