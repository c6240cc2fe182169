package compact

import (
	"context"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// overlapStore records how many staged outputs were being uploaded at once.
type overlapStore struct {
	lake.Store
	mu       sync.Mutex
	now, max int
}

func (s *overlapStore) Put(ctx context.Context, key string, r io.Reader, size int64, o lake.PutOptions) (lake.ObjectInfo, error) {
	if !strings.Contains(key, "/staging/") {
		return s.Store.Put(ctx, key, r, size, o)
	}
	s.mu.Lock()
	s.now++
	s.max = max(s.max, s.now)
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.now--; s.mu.Unlock() }()
	time.Sleep(100 * time.Millisecond) // long enough for another partition to start
	return s.Store.Put(ctx, key, r, size, o)
}

// Partitions are compacted concurrently, one per core (at most 4), and
// the table is exact afterwards.
func TestPartitionsAreCompactedConcurrently(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: partitions run one at a time")
	}
	ctx := context.Background()
	base := fileStore(t)
	tbl := openTable(t, base, "orders")
	parts := []string{"region_part=a", "region_part=b", "region_part=c", "region_part=d"}
	seedPartitions(ctx, t, tbl, parts, 3, 200)
	before := readSnapshot(ctx, t, tbl)
	store := &overlapStore{Store: base}
	res, err := Compact(ctx, store, Options{Table: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Partitions) != len(parts) || res.InputFiles != 12 {
		t.Fatalf("compacted %d partitions, %d files; want 4 and 12", len(res.Partitions), res.InputFiles)
	}
	for i, p := range res.Partitions {
		if p.Partition != parts[i] {
			t.Fatalf("partition %d is %q, want %q (results in partition order)", i, p.Partition, parts[i])
		}
	}
	if want := min(runtime.GOMAXPROCS(0), maxPartitionWorkers); store.max != want {
		t.Fatalf("%d outputs uploaded at once, want %d", store.max, want)
	}
	sameData(t, before, readSnapshot(ctx, t, openTable(t, base, "orders")))
}

// A large partition weighs one output row group, twice (inputs and the
// encoded row group); small ones their bytes, twice.
func TestPartitionWeight(t *testing.T) {
	small := partitionFiles{files: []table.File{{Size: 3 << 20}, {Size: 2 << 20}}}
	large := partitionFiles{files: make([]table.File, 100)}
	for i := range large.files {
		large.files[i].Size = 10 << 20
	}
	if w := partitionWeight(small); w != 10<<20 {
		t.Errorf("small partition weighs %d, want %d", w, 10<<20)
	}
	if w := partitionWeight(large); w != 2*rowGroupBytes {
		t.Errorf("large partition weighs %d, want %d", w, 2*rowGroupBytes)
	}
	if 4*rowGroupBytes <= partitionMemory {
		t.Errorf("two large partitions (%d bytes each) fit the %d-byte budget together", 2*rowGroupBytes, partitionMemory)
	}
}

// commitGateStore holds every partition's commit record until another
// partition has begun, or gives up after a while.
type commitGateStore struct {
	lake.Store
	begun   chan struct{}
	waited  sync.Once
	blocked bool
}

func (s *commitGateStore) Put(ctx context.Context, key string, r io.Reader, size int64, o lake.PutOptions) (lake.ObjectInfo, error) {
	if strings.Contains(key, "/commits/") {
		s.waited.Do(func() {
			select {
			case <-s.begun:
			case <-time.After(5 * time.Second):
				s.blocked = true
			}
		})
	}
	return s.Store.Put(ctx, key, r, size, o)
}

// A partition whose outputs are written gives its slot to the next one
// before it commits: the commit waits on the store, not on a core.
func TestNextPartitionStartsWhileOneCommits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one slot
	ctx := context.Background()
	base := fileStore(t)
	tbl := openTable(t, base, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=a", "region_part=b"}, 3, 100)
	before := readSnapshot(ctx, t, tbl)
	store := &commitGateStore{Store: base, begun: make(chan struct{})}
	var begun sync.Once
	var n atomic.Int32
	_, err := Compact(ctx, store, Options{Table: "orders", hook: func(stage string) {
		if stage == "begun" {
			if n.Add(1) == 2 {
				begun.Do(func() { close(store.begun) })
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if store.blocked {
		t.Fatal("the second partition began only after the first committed")
	}
	sameData(t, before, readSnapshot(ctx, t, openTable(t, base, "orders")))
}
