// Command benchsum reads `go test -bench` output on stdin and prints one
// summary line per figure, comparing each benchmark's `ours` sub-benchmark
// with its `baseline-<label>` siblings measured in the same run:
//
//	BENCH <name> <value> <unit> vs <baseline> <value> <unit> ratio <r>
//
// The ratio is ours divided by the baseline. Throughput (MB/s) is reported
// when both sides set bytes; otherwise ns/op, then allocs/op and any custom
// metric both sides report. A group whose both sides report ns/op = 0
// (b.ReportMetric(0, "ns/op"): ns/op is meaningless for it) prints only its
// custom metrics.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result is one benchmark line: metric unit → value.
type result map[string]float64

var lineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (map[string]map[string]result, []string) {
	groups := map[string]map[string]result{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		i := strings.LastIndex(m[1], "/")
		if i < 0 {
			continue
		}
		group, role := m[1][:i], m[1][i+1:]
		if role != "ours" && !strings.HasPrefix(role, "baseline-") {
			continue
		}
		f := strings.Fields(m[2])
		res := result{}
		for j := 0; j+1 < len(f); j += 2 {
			v, err := strconv.ParseFloat(f[j], 64)
			if err == nil {
				res[f[j+1]] = v
			}
		}
		if groups[group] == nil {
			groups[group] = map[string]result{}
			order = append(order, group)
		}
		groups[group][role] = res
	}
	return groups, order
}

// units lists the metrics to compare. A group whose both sides report
// ns/op as 0 (b.ReportMetric(0, "ns/op"), which go test leaves out of the
// line) is not a per-operation benchmark: it gets neither an ns/op line nor
// the per-op allocations -benchmem adds, only its custom metrics.
func units(ours, base result) []string {
	var out []string
	if _, ok := ours["MB/s"]; ok {
		if _, ok := base["MB/s"]; ok {
			out = append(out, "MB/s")
		}
	}
	perOp := ours["ns/op"] != 0 || base["ns/op"] != 0
	if len(out) == 0 && perOp {
		out = append(out, "ns/op")
	}
	var extra []string
	for u := range ours {
		if _, ok := base[u]; ok && u != "MB/s" && u != "ns/op" && u != "B/op" && (perOp || u != "allocs/op") {
			extra = append(extra, u)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func format(v float64) string {
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func summarise(w io.Writer, groups map[string]map[string]result, order []string) int {
	n := 0
	for _, g := range order {
		ours, ok := groups[g]["ours"]
		if !ok {
			continue
		}
		var roles []string
		for role := range groups[g] {
			if role != "ours" {
				roles = append(roles, role)
			}
		}
		sort.Strings(roles)
		name := strings.TrimPrefix(g, "Benchmark")
		for _, role := range roles {
			base := groups[g][role]
			for _, u := range units(ours, base) {
				ratio := "inf"
				if base[u] != 0 {
					ratio = strconv.FormatFloat(ours[u]/base[u], 'f', 3, 64)
				} else if ours[u] == 0 {
					ratio = "1.000"
				}
				fmt.Fprintf(w, "BENCH %s %s %s vs %s %s %s ratio %s\n",
					name, format(ours[u]), u, strings.TrimPrefix(role, "baseline-"), format(base[u]), u, ratio)
				n++
			}
		}
	}
	return n
}

func main() {
	groups, order := parse(os.Stdin)
	if summarise(os.Stdout, groups, order) == 0 {
		fmt.Println("BENCH none: no benchmark with ours/baseline-* sub-benchmarks ran")
	}
}
