package compact

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/lakectl/lakectl/lake/table"
)

// maxPartitionWorkers caps the partitions compacted at once whatever the
// core count: each holds one output row group and one upload part in
// memory.
const maxPartitionWorkers = 4

// partitionWorkers is how many partitions are compacted at once: one per
// core, at most maxPartitionWorkers.
func partitionWorkers() int {
	return max(1, min(runtime.GOMAXPROCS(0), maxPartitionWorkers))
}

// partitionMemory bounds the sum of the running partitions' weights
// (partitionWeight): small partitions run side by side, large ones one at
// a time (their columns are still encoded in parallel), so peak memory
// does not grow with the core count or the partitions' sizes.
const partitionMemory = 96 << 20

// partitionWeight is the memory a partition's compaction may hold: its
// small files' bytes, at most one output row group's worth of input, held
// twice (the inputs being merged and the encoded row group).
func partitionWeight(p partitionFiles) int64 {
	var n int64
	for _, f := range p.files {
		n += f.Size
	}
	return max(1, min(2*min(n, rowGroupBytes), partitionMemory))
}

// partitionProblems collects one partition's problems (files left in
// place); written, when set, is called once its outputs are written.
type partitionProblems struct {
	Problems []string
	written  func()
}

// partitionDone is the outcome of one partition, kept in partition order.
type partitionDone struct {
	name     string
	pr       *PartitionResult
	skipped  bool
	problems []string
	ran      bool
}

// compactPartitions compacts the partitions, partitionWorkers at a time,
// each in its own transaction. After the first error no further partition
// starts, while those under way finish (a transaction is never cut off
// by another partition's failure); the outcomes of the partitions that ran
// are returned in partition order with the first error.
func compactPartitions(ctx context.Context, tbl *table.Table, parts []partitionFiles, opts Options) ([]partitionDone, error) {
	done := make([]partitionDone, len(parts))
	var (
		failed   atomic.Bool
		stopped  bool
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, partitionWorkers())
	mem := semaphore.NewWeighted(partitionMemory)
	for i, p := range parts {
		sem <- struct{}{}
		w := partitionWeight(p)
		if failed.Load() || ctx.Err() != nil || mem.Acquire(ctx, w) != nil {
			<-sem
			stopped = true
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The slot is given back once the outputs are written: the
			// commit that follows waits on the store, not on a core, so
			// the next partition starts meanwhile if the memory budget,
			// held until the end (the garbage of the outputs is not
			// collected yet), lets it.
			var once sync.Once
			written := func() { once.Do(func() { <-sem }) }
			defer mem.Release(w)
			defer written()
			probs := partitionProblems{written: written}
			pr, err := compactPartition(ctx, tbl, p, opts, &probs)
			done[i] = partitionDone{name: p.name, pr: pr, skipped: pr == nil && err == nil, problems: probs.Problems, ran: true}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				failed.Store(true)
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && stopped {
		firstErr = ctx.Err()
	}
	out := done[:0]
	for _, d := range done {
		if d.ran {
			out = append(out, d)
		}
	}
	return out, firstErr
}
