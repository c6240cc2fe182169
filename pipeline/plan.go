package pipeline

import (
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
)

// ErrNoJobs is a config file without jobs.
var ErrNoJobs = input.Errorf("no jobs configured: add a jobs: list to the config file")

// Plan returns the named jobs of all in config order (all of them when
// none is named), once each of them has a unique name and a registered
// type and every Validator kind accepted its jobs: a run that could not
// finish is refused before it starts.
func (p *Pipeline) Plan(all []config.Job, names []string) ([]config.Job, error) {
	jobs, err := p.selectJobs(all, names)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if v, ok := p.Kinds.kinds[j.Type].(Validator); ok {
			if err := v.Validate(j); err != nil {
				return nil, err
			}
		}
	}
	return jobs, nil
}

func (p *Pipeline) selectJobs(all []config.Job, names []string) ([]config.Job, error) {
	if len(all) == 0 {
		return nil, ErrNoJobs
	}
	seen := map[string]bool{}
	for _, j := range all {
		if j.Name == "" {
			return nil, input.Errorf("a job in the config file has no name")
		}
		if seen[j.Name] {
			return nil, input.Errorf("job %q is configured twice", j.Name)
		}
		seen[j.Name] = true
		if _, ok := p.Kinds.kinds[j.Type]; !ok {
			return nil, input.Errorf("job %q has type %q; use %s", j.Name, j.Type, p.Kinds.list())
		}
	}
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			return nil, input.Errorf("no job named %q in the config file", n)
		}
		want[n] = true
	}
	var out []config.Job
	for _, j := range all {
		if want[j.Name] {
			out = append(out, j)
		}
	}
	return out, nil
}

// list is the registered types as a message lists them: "a, b or c".
func (k *Kinds) list() string {
	n := len(k.names)
	if n < 2 {
		return strings.Join(k.names, "")
	}
	return strings.Join(k.names[:n-1], ", ") + " or " + k.names[n-1]
}
