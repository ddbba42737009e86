// Package loadbench holds the end-to-end load benchmark and the process-level
// drills: the real `embodied run` binary, built by the tests, against the
// discordsim emulator (on the wall clock, in the test process) and a real
// PostgreSQL, driven open loop by internal/loadgen. The baseline bot lives
// in testdata/barebot. Everything here is in _test files; this file only
// names the package.
package loadbench
