package table

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
)

// Commit records describe lakectl's files as their footers do; a file
// another tool overwrote under the same key (another size) and a file of
// another tool are left to their footers, and Partitions counts their
// rows from them.
func TestDescribeAndPartitionsFollowTheFootersOfRewrittenFiles(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, err := Open(store, "orders")
			if err != nil {
				t.Fatal(err)
			}
			opts := WriterOptions{Partition: PartitionRule{Column: "created_at", Unit: UnitDay}}
			r1 := appendRows(ctx, t, tbl, makeRows(0, 200, []*string{strp("a"), nil, strp("héllo")}), opts, "", nil)
			r2 := appendRows(ctx, t, tbl, makeRows(200, 100, nil), opts, "", nil)
			// Another tool copies r2's last file over r1's first and to a
			// name of its own.
			over, src := r1.Added[0], r2.Added[len(r2.Added)-1]
			if over.Size == src.Size {
				t.Fatal("the overwritten file keeps its size")
			}
			copyObject(ctx, t, store, src.Key, over.Key)
			copyObject(ctx, t, store, src.Key, "tables/orders/other.parquet")

			var files []File
			if err := tbl.Files(ctx, func(f File) error { files = append(files, f); return nil }); err != nil {
				t.Fatal(err)
			}
			fresh, _ := Open(store, "orders")
			described, err := fresh.Describe(ctx, files)
			if err != nil {
				t.Fatal(err)
			}
			var footerRows int64
			for _, f := range files {
				ft, err := parquetfile.ReadFooterFrom(ctx, store, f.Key, f.Size)
				if err != nil {
					t.Fatal(err)
				}
				footerRows += ft.Rows
				d, ok := described[f.Key]
				if f.Key == over.Key || f.Key == "tables/orders/other.parquet" {
					if ok {
						t.Fatalf("%s described by a record: %+v", f.Key, d)
					}
					continue
				}
				mb, _ := parquetfile.MaxBytes(ft.KeyValue)
				if !ok || !d.Complete || d.Rows != ft.Rows || d.Schema.Fingerprint() != ft.Fingerprint || len(mb) == 0 || mb["code"] != d.MaxBytes["code"] {
					t.Fatalf("%s: described %+v (%v), footer %d rows, %s, max bytes %v", f.Key, d, ok, ft.Rows, ft.Fingerprint, mb)
				}
			}
			if got := liveRows(ctx, t, fresh); got != footerRows || got != 200-over.Rows+100+2*src.Rows {
				t.Fatalf("partitions count %d rows, the footers %d", got, footerRows)
			}

			// A record of an earlier version (no max bytes) still gives
			// rows, but not all a footer would.
			r2.Added[0].MaxBytes = nil
			if _, err := lake.PutJSON(ctx, store, commitKey("orders", r2.TxID), r2, lake.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			fresh, _ = Open(store, "orders")
			described, err = fresh.Describe(ctx, files)
			if d, ok := described[r2.Added[0].Key]; err != nil || !ok || d.Complete || d.Rows != r2.Added[0].Rows {
				t.Fatalf("file of an earlier record: %+v (%v), %v; want its rows, not complete", d, ok, err)
			}
			if got := liveRows(ctx, t, fresh); got != footerRows {
				t.Fatalf("partitions count %d rows, the footers %d", got, footerRows)
			}
		})
	}
}

// copyObject copies the object at from to key, as another tool would.
func copyObject(ctx context.Context, t *testing.T, store lake.Store, from, key string) {
	t.Helper()
	rc, err := store.Get(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := store.Put(ctx, key, rc, -1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// gotRecord is a lake whose commit-record reads say when they returned.
type gotRecord struct {
	lake.Store
	read chan string
}

func (g *gotRecord) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := g.Store.Get(ctx, key)
	if strings.Contains(key, "/commits/") {
		data, _ := io.ReadAll(r)
		r.Close()
		g.read <- key
		return io.NopCloser(bytes.NewReader(data)), err
	}
	return r, err
}

// A describer fed by a listing reads a commit's record at its first file
// and describes the commit's files listed after that read as well (by
// their listed size), once per commit.
func TestDescriberDescribesFilesListedAfterTheirRecordWasRead(t *testing.T) {
	ctx := context.Background()
	store := &gotRecord{Store: stores()[0].open(t), read: make(chan string, 10)}
	tbl, err := Open(store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	opts := WriterOptions{Partition: PartitionRule{Column: "created_at", Unit: UnitDay}}
	rec := appendRows(ctx, t, tbl, makeRows(0, 300, nil), opts, "", nil)
	if len(rec.Added) < 3 {
		t.Fatalf("%d files, want one per day of 3", len(rec.Added))
	}
	fresh, _ := Open(store, "orders")
	d := fresh.NewDescriber(ctx)
	first, second, third := rec.Added[0], rec.Added[1], rec.Added[2]
	d.Add(File{Key: first.Key, Size: first.Size})
	<-store.read
	time.Sleep(50 * time.Millisecond) // the record is parsed and kept
	d.Add(File{Key: second.Key, Size: second.Size})
	d.Add(File{Key: third.Key, Size: third.Size + 1}) // rewritten by another tool
	d.Add(File{Key: "tables/orders/other.parquet", Size: 10})
	got, records, err := d.Wait()
	if err != nil || records != 1 || len(store.read) != 0 {
		t.Fatalf("%d records read (%d more GETs), %v; want 1", records, len(store.read), err)
	}
	for _, e := range []FileEntry{first, second} {
		if g, ok := got[e.Key]; !ok || g.Rows != e.Rows || !g.Complete {
			t.Errorf("%s: %+v (%v), want %d rows, complete", e.Key, g, ok, e.Rows)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d files described, want 2 (not the rewritten one nor another tool's): %v", len(got), got)
	}
}

// Whatever the order and pace at which a listing adds files (before,
// while or after their records are read), a describer says what Describe
// says of all of them at once. Seeded: a failure names its seed.
func TestDescriberAgreesWithDescribeWhateverTheOrder(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl, err := Open(store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	opts := WriterOptions{Partition: PartitionRule{Column: "created_at", Unit: UnitDay}}
	for c := range 6 {
		appendRows(ctx, t, tbl, makeRows(c*300, 300, []*string{strp("x")}), opts, "", nil)
	}
	var files []File
	if err := tbl.Files(ctx, func(f File) error { files = append(files, f); return nil }); err != nil {
		t.Fatal(err)
	}
	files = append(files, File{Key: "tables/orders/other.parquet", Size: 5}, File{Key: files[0].Key + ".gone", Size: 1})
	files[1].Size++ // rewritten by another tool
	want, err := tbl.Describe(ctx, files)
	if err != nil || len(want) != len(files)-3 {
		t.Fatalf("Describe: %d files, %v; want all but the rewritten one, another tool's and the missing one (%d)", len(want), err, len(files)-3)
	}
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		order := r.Perm(len(files))
		fresh, _ := Open(store, "orders")
		d := fresh.NewDescriber(ctx)
		for _, i := range order {
			if r.IntN(4) == 0 {
				time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
			}
			d.Add(files[i])
		}
		got, records, err := d.Wait()
		if err != nil || records != 6 || len(got) != len(want) {
			t.Fatalf("seed %d: %d files described from %d records, %v; want %d from 6", seed, len(got), records, err, len(want))
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g.Rows != w.Rows || g.Size != w.Size || g.Complete != w.Complete {
				t.Fatalf("seed %d: %s described %+v (%v), want %+v", seed, k, g, ok, w)
			}
		}
	}
}
