// Package table is a table in the lake: its layout (tables/<name>/ with
// Hive partition folders, lakectl's records under _lakectl/), transactions
// and their commit records, recovery after a crash, locks, job state
// (watermarks), the partitioned Parquet writer, and listings of live files,
// partitions and lineage. docs/architecture.md ("Lake layout", "The commit
// protocol", "Job state and locks") is the contract.
//
// A run that writes a table:
//
//	lock, err := table.AcquireLock(ctx, store, "extract-orders", table.LockOptions{Command: "extract mysql orders"})
//	if err != nil {
//		return err // *lake.LockedError (exit 75) when another run holds it
//	}
//	defer lock.Release(ctx)
//	tbl, err := table.Open(store, "orders")
//	if err != nil {
//		return err
//	}
//	if _, err := tbl.Recover(ctx); err != nil { // finish or undo crashed runs first
//		return err
//	}
//	var wm Watermark
//	if err := table.LoadState(ctx, store, "extract-orders", &wm); err != nil && !errors.Is(err, lake.ErrNotExist) {
//		return err
//	}
//	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: "extract-orders"})
//	if err != nil {
//		return err
//	}
//	defer tx.Abort(ctx) // no-op after Commit
//	rule, err := table.ParsePartitionRule("created_at:day")
//	if err != nil {
//		return err
//	}
//	w, err := tx.NewWriter(sch, table.WriterOptions{Partition: rule})
//	if err != nil {
//		return err
//	}
//	for batch := range batches {
//		if err := w.Write(ctx, batch); err != nil {
//			w.Close(ctx)
//			return err
//		}
//	}
//	if err := w.Close(ctx); err != nil {
//		return err
//	}
//	if err := tx.SetState("extract-orders", newWatermark); err != nil {
//		return err
//	}
//	_, err = tx.Commit(ctx) // files and watermark advance together
//
// A full snapshot calls tx.RemoveLive(ctx) before Commit (Op: OpReplace).
// Compaction writes its outputs with NewWriter (or at tx.StagingKey of
// tx.NewFileKey), lists them with AddFile carrying Lineage segments of its
// inputs in order, and RemoveFile's the inputs; Commit fails with
// ErrConflict if another transaction removed an input first.
//
// Readers list live files with tbl.Files, per-partition summaries with
// tbl.Partitions, the leaf segments of a file with tbl.Lineage and a commit
// record with tbl.Commit.
package table
