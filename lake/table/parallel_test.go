package table

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// A key to remove that is gone is a conflict, whether its folder is
// listed (keys sharing folders) or the key is checked alone.
func TestCheckLiveByListingAndByHead(t *testing.T) {
	ctx := context.Background()
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			store := sf.open(t)
			tbl, _ := Open(store, "live")
			put := func(k string) string {
				if _, err := store.Put(ctx, k, bytes.NewReader([]byte("x")), 1, lake.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				return k
			}
			var shared, spread []string
			for i := range 5 {
				shared = append(shared, put(fmt.Sprintf("tables/live/p=a/f%d.parquet", i)))
				spread = append(spread, put(fmt.Sprintf("tables/live/q=%d/f.parquet", i)))
			}
			put("tables/live/p=a/_other")
			for _, keys := range [][]string{shared, spread} {
				if err := tbl.checkLive(ctx, keys); err != nil {
					t.Fatalf("all live: %v", err)
				}
				missing := append(append([]string{}, keys...), keys[0]+".gone.parquet")
				if err := tbl.checkLive(ctx, missing); !errors.Is(err, ErrConflict) {
					t.Fatalf("one gone: %v, want ErrConflict", err)
				}
			}
		})
	}
}
