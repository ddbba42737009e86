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

// A sub-benchmark for which ns/op is meaningless reports it as 0, which
// go test leaves out of the line: such a group prints its custom metrics
// only, not ns/op nor the per-op allocations of the benchmark goroutine.
func TestSummariseWithoutNsPerOp(t *testing.T) {
	in := `BenchmarkE2EKnee/ours-2 	1000000000	         80 interactions/s	       0 B/op	       0 allocs/op
BenchmarkE2EKnee/baseline-barebot-2         	1000000000	        100.0 interactions/s	       0 B/op	       0 allocs/op
BenchmarkE2EIdleRSS/ours-2                  	1000000000	        50 MB
BenchmarkE2EIdleRSS/baseline-barebot-2      	1000000000	        20 MB
BenchmarkE2EIdleRSS/baseline-goal-2         	1000000000	        25.00 MB
BenchmarkHalf/ours-2 	 500	 0 ns/op	 3 calls/op
BenchmarkHalf/baseline-min-2 	 900	 1000 ns/op	 3 calls/op
`
	groups, order := parse(strings.NewReader(in))
	var b strings.Builder
	summarise(&b, groups, order)
	want := `BENCH E2EKnee 80 interactions/s vs barebot 100 interactions/s ratio 0.800
BENCH E2EIdleRSS 50 MB vs barebot 20 MB ratio 2.500
BENCH E2EIdleRSS 50 MB vs goal 25 MB ratio 2.000
BENCH Half 0 ns/op vs min 1000 ns/op ratio 0.000
BENCH Half 3 calls/op vs min 3 calls/op ratio 1.000
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
}
