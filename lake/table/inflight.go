package table

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/lake"
)

// InFlight returns the txids of the table's transactions that have begun
// and not fully finished (their in-flight marker exists), in txid order.
// A reader that remembers "every commit up to txid X" must also remember
// these: one of them may still commit with a txid below X.
func (t *Table) InFlight(ctx context.Context) ([]string, error) {
	prefix := metaDir(t.name) + "txns/"
	var out []string
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		if txid, ok := strings.CutSuffix(strings.TrimPrefix(oi.Key, prefix), ".json"); ok && validTxID(txid) {
			out = append(out, txid)
		}
		return nil
	})
	return out, err
}
