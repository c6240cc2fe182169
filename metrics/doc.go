// Package metrics writes what `lakectl run` did as Prometheus text-format
// metrics for node_exporter's textfile collector: per job rows, files,
// bytes, duration, exit code and last success; per table the newest cursor
// value. The file is replaced atomically (temporary file, then rename) and
// carries its own history: counters and last-success times of the previous
// file are read back and carried forward, so jobs not run this time keep
// their series.
package metrics
