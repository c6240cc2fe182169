package warehouse

// RebuildError says that the warehouse target of lake table Table cannot
// take a change in place; a rebuild (a new table, loaded from the lake and
// swapped in) can. Err says why: a *schema.BreakingChangeError for a
// schema change, or lake files whose schemas are incompatible. The
// command line adds how to plan the rebuild.
type RebuildError struct {
	Table string
	Err   error
}

func (e *RebuildError) Error() string { return e.Err.Error() }
func (e *RebuildError) Unwrap() error { return e.Err }
