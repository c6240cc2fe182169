package quality

import (
	"context"
	"errors"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// State is what a table's checks remember between runs, at
// _lakectl/checks/<table>.json. The "checked" marks (Through, Unfinished,
// Foreign) advance only when no error rule failed, so rows that failed a
// check stay new, and keep failing, until they are fixed.
type State struct {
	Table string    `json:"table"`
	Time  time.Time `json:"time"` // the last check
	// PassedAt is the last check that no error rule failed.
	PassedAt time.Time `json:"passed_at,omitzero"`
	// Through: every commit whose txid sorts at or below it was checked...
	Through string `json:"through_txid,omitempty"`
	// ...except these, in flight at that check (they may commit later).
	Unfinished []string `json:"unfinished_txids,omitempty"`
	// Foreign maps the checked files of other tools (no txid in their
	// name) to their ETag.
	Foreign map[string]string `json:"foreign,omitempty"`
	// Rules are the latest results by rule id.
	Rules map[string]RuleState `json:"rules"`
}

// RuleState is one rule's latest result and what the next run compares.
type RuleState struct {
	Type     string    `json:"type"`
	Status   string    `json:"status"`
	Observed string    `json:"observed"`
	Value    *float64  `json:"value,omitempty"`
	Time     time.Time `json:"time"`
	// Baseline is the value of the last passing check (row_count's
	// max_change compares against it).
	Baseline *float64 `json:"baseline,omitempty"`
	// Newest is freshness's newest cursor value among checked rows;
	// Latest, among the rows of the last check, passing or not.
	Newest *time.Time `json:"newest,omitempty"`
	Latest *time.Time `json:"latest,omitempty"`
}

// StateKey is where a table's check state lives.
func StateKey(table string) string { return "_lakectl/checks/" + table + ".json" }

// LoadState reads a table's check state; a table never checked has an
// empty one.
func LoadState(ctx context.Context, store lake.Store, table string) (*State, error) {
	st := &State{Table: table}
	if err := lake.GetJSON(ctx, store, StateKey(table), st); err != nil && !errors.Is(err, lake.ErrNotExist) {
		return nil, err
	}
	if st.Rules == nil {
		st.Rules = map[string]RuleState{}
	}
	return st, nil
}

func saveState(ctx context.Context, store lake.Store, st *State) error {
	_, err := lake.PutJSON(ctx, store, StateKey(st.Table), st, lake.PutOptions{})
	return err
}
