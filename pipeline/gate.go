package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
)

// HeldError says a job's tables are held back by a failed check earlier in
// the run, so unchecked or bad rows do not go further.
type HeldError struct {
	Tables []string
	By     config.Job // the job that failed on them
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("not loading %s: %s job %s failed on it", strings.Join(e.Tables, ", "), e.By.Type, e.By.Name)
}

// gate holds back, within one run, the tables of Holdable jobs that a
// Holder failed on; force lets them through.
type gate struct {
	force   bool
	blocked map[string]config.Job // table -> the job that failed on it
}

func (g *gate) hold(tables []string, by config.Job) {
	if g.blocked == nil {
		g.blocked = map[string]config.Job{}
	}
	for _, t := range tables {
		g.blocked[t] = by
	}
}

// admit returns the job without its held tables, and the error saying
// which were held (nil when none).
func (g *gate) admit(j config.Job, k Kind) (config.Job, *HeldError) {
	if _, ok := k.(Holdable); !ok || g.force || len(g.blocked) == 0 {
		return j, nil
	}
	var held []string
	j.Tables = slices.DeleteFunc(slices.Clone(j.Tables), func(t string) bool {
		if _, ok := g.blocked[t]; ok {
			held = append(held, t)
			return true
		}
		return false
	})
	if len(held) == 0 {
		return j, nil
	}
	return j, &HeldError{Tables: held, By: g.blocked[held[0]]}
}
