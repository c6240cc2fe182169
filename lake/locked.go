package lake

import "fmt"

// LockedError says another run holds a lock that this one needs: a job's
// or a table's lock in the lake, or a warehouse file that takes one
// writer. Waiting and running again is the remedy.
type LockedError struct {
	Lock  string // the lock's name, e.g. "extract-orders"
	Owner string // who holds it: host, pid, since when
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("lock %s is held by %s; another run is in progress, try again later", e.Lock, e.Owner)
}
