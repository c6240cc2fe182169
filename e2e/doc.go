// Package e2e drives the real lakectl binary as a user and cron would:
// built once, run with os/exec against real MariaDB, PostgreSQL, MinIO and
// DuckDB, killed with SIGKILL at random moments and run concurrently. The
// tests assert what a user cares about: the warehouse equals the source,
// the lake holds every extracted (key, cursor) version exactly once, exit
// codes and output follow SPEC.md, and no secret is ever printed.
//
// LAKECTL_E2E_BIN names a prebuilt binary to test instead of building one;
// LAKECTL_E2E_SEED fixes the random kill schedule of a failed run.
package e2e
