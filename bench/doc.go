// Package bench holds lakectl's cross-package benchmark matrix: the same
// work run with the lake on a local folder and on MinIO in one run, each
// S3 figure printed as a ratio to the local one, with CPU time, peak RSS
// and the S3 requests by type next to the minimum the work needs:
// extract mysql and the API extract (BenchmarkExtractMatrix), catalog
// crawl and warehouse load (BenchmarkLakeMatrix). The compaction rows live
// in lake/compact (BenchmarkCompactMatrix), next to the helpers that seed
// them. `make bench` runs them all at the sizes.
package bench
