package warehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// LoadRecord is one load in the history.
type LoadRecord struct {
	LoadID   string    `json:"load_id"`
	Into     string    `json:"into"`
	Files    int64     `json:"files"`
	Rows     int64     `json:"rows"`
	Bytes    int64     `json:"bytes"`
	LoadedAt time.Time `json:"loaded_at"`
}

// StatusResult is the warehouse's load history, newest first.
type StatusResult struct {
	Warehouse string       `json:"warehouse"`
	Dialect   string       `json:"dialect"`
	Loads     []LoadRecord `json:"loads"`
	// Unreachable says why the warehouse could not be asked.
	Unreachable string `json:"warehouse_unreachable,omitempty"`
}

// Status reads the load history from the ledger.
func Status(ctx context.Context, wh Warehouse, opts StatusOptions) (*StatusResult, error) {
	if opts.Limit <= 0 {
		opts.Limit = 20
	}
	res := &StatusResult{Warehouse: wh.String(), Dialect: wh.Dialect(), Loads: []LoadRecord{}}
	exists, err := TableExists(ctx, wh, wh.DefaultSchema(), ledgerTable)
	if errors.Is(err, driver.ErrUnreachable) {
		res.Unreachable = err.Error()
		return res, nil
	}
	if err != nil || !exists {
		return res, err
	}
	st := driver.Statement{Ledger: driver.QuoteQualified(wh.DefaultSchema(), ledgerTable), TargetKey: opts.Into, Limit: opts.Limit}
	sql, err := wh.SQL("status", &st)
	if err != nil {
		return nil, err
	}
	err = wh.Query(ctx, sql, nil, func(scan func(...any) error) error {
		var r LoadRecord
		if err := scan(&r.LoadID, &r.Into, &r.Files, &r.Rows, &r.Bytes, &r.LoadedAt); err != nil {
			return err
		}
		r.LoadedAt = r.LoadedAt.UTC()
		res.Loads = append(res.Loads, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read load history: %w", err)
	}
	return res, nil
}
