package table

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/lake"
)

// checkTable checks one table: its commit records first (so that an
// unreadable one is set aside before a transaction is settled), then its
// in-flight markers and staged files.
func (d *doctor) checkTable(ctx context.Context, t *Table) error {
	commits, err := listKeys(ctx, d.store, metaDir(t.name)+"commits/", ".json")
	if err != nil {
		return err
	}
	// A table has a record per commit: they are read inFlight at a time,
	// their problems reported in key order.
	read := func(ctx context.Context, k string) (struct{}, error) {
		var rec CommitRecord
		return struct{}{}, lake.GetJSON(ctx, d.store, k, &rec)
	}
	err = fetchInOrder(ctx, commits, read, func(k string, _ struct{}, err error) error {
		corrupt, err := isCorrupt(err)
		if err != nil && !errors.Is(err, lake.ErrNotExist) {
			return err
		}
		if corrupt {
			d.add(Problem{Kind: ProblemUnreadable, Table: t.name, Key: k, Detail: "commit record does not decode",
				Repair: "move it to " + QuarantinePrefix}, func() error { return d.quarantine(ctx, k) })
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := d.checkMarkers(ctx, t); err != nil {
		return err
	}
	return d.checkStaging(ctx, t)
}

// checkMarkers reports the transactions of dead runs and unreadable
// markers; the repair settles each (finish when committed, else roll
// back), as Recover does for readable ones.
func (d *doctor) checkMarkers(ctx context.Context, t *Table) error {
	prefix := metaDir(t.name) + "txns/"
	keys, err := listKeys(ctx, d.store, prefix, ".json")
	if err != nil {
		return err
	}
	for _, k := range keys {
		txid := strings.TrimSuffix(strings.TrimPrefix(k, prefix), ".json")
		var m marker
		corrupt, err := isCorrupt(lake.GetJSON(ctx, d.store, k, &m))
		switch {
		case errors.Is(err, lake.ErrNotExist):
			continue // finished meanwhile
		case err != nil:
			return err
		case corrupt:
			d.add(Problem{Kind: ProblemUnreadable, Table: t.name, Key: k, TxID: txid, Detail: "transaction marker does not decode",
				Repair: "move it to " + QuarantinePrefix + " and finish or roll back its transaction"},
				func() error { return d.settleUnreadable(ctx, t, k, txid) })
			continue
		}
		if m.TxID == "" {
			m.TxID = txid
		}
		if !deadMarker(m, d.now, d.me) {
			continue // a live run's
		}
		p, err := d.deadTx(ctx, t, k, m)
		if err != nil {
			return err
		}
		d.add(p, func() error { _, err := t.settle(ctx, m.TxID, m.Job); return err })
	}
	return nil
}

// deadTx describes a dead run's transaction: torn when it committed and
// readers see its old and new files mixed (or miss some), unfinished
// otherwise.
func (d *doctor) deadTx(ctx context.Context, t *Table, key string, m marker) (Problem, error) {
	p := Problem{Kind: ProblemUnfinished, Table: t.name, Key: key, TxID: m.TxID,
		Detail: fmt.Sprintf("%s transaction of a run that is gone (%s), not committed", m.Op, m.owner), Repair: "roll it back"}
	rec, err := t.Commit(ctx, m.TxID)
	if errors.Is(err, lake.ErrNotExist) || errors.Is(err, lake.ErrCorrupt) || (err == nil && rec.Aborted) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Repair = "finish its publish"
	p.Detail = fmt.Sprintf("%s transaction of a run that is gone (%s) committed but did not finish publishing", m.Op, m.owner)
	missing, stale, err := d.publishState(ctx, rec)
	if err != nil {
		return p, err
	}
	if missing > 0 || stale > 0 {
		p.Kind = ProblemTorn
		p.Detail += fmt.Sprintf(": readers see %d files it removed and miss %d files it added", stale, missing)
	}
	return p, nil
}

// publishState counts a committed record's added files not yet under
// tables/ and removed files still there.
func (d *doctor) publishState(ctx context.Context, rec *CommitRecord) (missing, stale int, err error) {
	exists := func(k string) (bool, error) {
		_, err := d.store.Stat(ctx, k)
		if errors.Is(err, lake.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	for _, e := range rec.Added {
		ok, err := exists(e.Key)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			missing++
		}
	}
	for _, k := range rec.Removed {
		ok, err := exists(k)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			stale++
		}
	}
	return missing, stale, nil
}

// settleUnreadable sets an unreadable marker aside and settles its
// transaction: its owner cannot be known, but lakectl writes markers
// whole, so no live run wrote this one.
func (d *doctor) settleUnreadable(ctx context.Context, t *Table, key, txid string) error {
	if err := d.quarantine(ctx, key); err != nil {
		return err
	}
	if !validTxID(txid) {
		return nil
	}
	_, err := t.settle(ctx, txid, "")
	return err
}

// checkStaging reports staged files of transactions without a marker.
func (d *doctor) checkStaging(ctx context.Context, t *Table) error {
	prefix := metaDir(t.name) + "staging/"
	keys, err := listKeys(ctx, d.store, prefix, "")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, k := range keys {
		txid, _, _ := strings.Cut(strings.TrimPrefix(k, prefix), "/")
		if seen[txid] {
			continue
		}
		seen[txid] = true
		_, err := d.store.Stat(ctx, markerKey(t.name, txid))
		if err == nil {
			continue
		}
		if !errors.Is(err, lake.ErrNotExist) {
			return err
		}
		d.add(Problem{Kind: ProblemOrphanStaging, Table: t.name, Key: stagingDir(t.name, txid), TxID: txid,
			Detail: "staged files of a transaction that has ended", Repair: "delete them"},
			func() error { return t.deleteAll(ctx, stagingDir(t.name, txid)) })
	}
	return nil
}
