package rebuild_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// badMigration fails inside its transaction: nothing of it commits.
const badMigration = "CREATE TABLE {{.NewTable}} (id BIGINT NOT NULL, amount NO_SUCH_TYPE, name VARCHAR(64));\n"

// A migration that fails traps nothing: resume takes a corrected file and
// says so; abandon gives the run up so that a new apply may start.
func TestFailedMigrationIsResumedWithACorrectedFileOrAbandoned(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			_, store := writeLake(t)
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			if _, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into}); err != nil {
				t.Fatal(err)
			}
			fixed := filepath.Join(t.TempDir(), "fixed.sql")
			if err := os.WriteFile(fixed, []byte(migration), 0o600); err != nil {
				t.Fatal(err)
			}
			opts := rebuild.Options{Table: "orders", Into: tg.into, Migration: badMigration}
			failed, err := rebuild.Apply(ctx, store, wh, opts)
			if err == nil || failed.State != rebuild.RunFailed {
				t.Fatalf("bad migration: %v", err)
			}
			// The way out is a corrected migration: a plain resume would
			// rerun the bad SQL.
			if stopped, ok := errors.AsType[*rebuild.StoppedError](err); !ok || stopped.Run != failed.Run || !stopped.MigrationCorrectable {
				t.Errorf("failed apply is not a stop with a correctable migration: %v", err)
			}
			// The stored bad SQL fails again; the corrected file works.
			if _, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{RunID: failed.Run}); err == nil {
				t.Fatal("resume reran the bad migration and succeeded")
			}
			run, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{RunID: failed.Run, MigrationFile: fixed})
			if err != nil {
				t.Fatal(err)
			}
			if run.State != rebuild.RunDone || run.MigrationReplaced != fixed || run.TableRows != files*50 {
				t.Fatalf("resumed with the corrected file: state %s, replaced %q, %d rows", run.State, run.MigrationReplaced, run.TableRows)
			}

			// Abandon: a failed run, with the new table a crash left behind.
			failed, _ = rebuild.Apply(ctx, store, wh, opts)
			qual := qualify(tg, wh)
			if err := wh.Query(ctx, "CREATE TABLE "+qual+"__rebuild (id BIGINT)", nil, func(func(...any) error) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Into: tg.into, MigrationFile: fixed}); !isUnfinished(err, failed.Run) {
				t.Fatalf("apply over an unfinished run: %v", err)
			}
			ab, err := rebuild.Abandon(ctx, store, wh, rebuild.AbandonOptions{RunID: failed.Run})
			if err != nil || ab.State != rebuild.RunAbandoned {
				t.Fatalf("abandon: %+v %v", ab, err)
			}
			if n := count(t, wh, qual+"__rebuild"); n != 0 {
				t.Fatal("abandon left the new table")
			}
			if _, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{RunID: failed.Run}); err == nil {
				t.Fatal("an abandoned run resumed")
			}
			run, err = rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Into: tg.into, MigrationFile: fixed})
			if err != nil || run.State != rebuild.RunDone {
				t.Fatalf("apply after abandon: %v", err)
			}
		})
	}
}

// isUnfinished says whether err refuses a new run for the unfinished run
// id, whose migration may still be corrected.
func isUnfinished(err error, id string) bool {
	u, ok := errors.AsType[*rebuild.UnfinishedError](err)
	return ok && u.Run == id && u.MigrationCorrectable && strings.Contains(err.Error(), "unfinished")
}
