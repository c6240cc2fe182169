package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
)

// ErrNoJobs is a config file without jobs.
var ErrNoJobs = input.Errorf("no jobs configured: add a jobs: list to the config file")

// Plan returns the named jobs of all in config order (all of them when
// none is named), once each of them has a unique name and a registered
// type and every Validator kind accepted its jobs: a run that could not
// finish is refused before it starts, with the job's name and its config
// keys in the error.
func (p *Pipeline) Plan(ctx context.Context, all []config.Job, names []string) ([]config.Job, error) {
	jobs, err := p.selectJobs(all, names)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if err := p.validate(ctx, j); err != nil {
			return nil, jobError(j, err)
		}
	}
	return jobs, nil
}

// validate checks the keys every job has, then the kind's.
func (p *Pipeline) validate(ctx context.Context, j config.Job) error {
	every, err := config.ParseDuration("every", j.Every)
	if err != nil {
		return err
	}
	if every < 0 {
		return input.Errorf("%s %s: want a positive duration such as 1h", input.Option("every"), j.Every)
	}
	if v, ok := p.Kinds.kinds[j.Type].(Validator); ok {
		return v.Validate(ctx, j)
	}
	return nil
}

// jobError names the job in its refusal (once: some kinds' errors name it
// already) and labels the options it names as the job's config keys.
func jobError(j config.Job, err error) error {
	err = input.Label(err, ConfigKey)
	if strings.HasPrefix(err.Error(), "job "+j.Name+":") {
		return err
	}
	return fmt.Errorf("job %s: %w", j.Name, err)
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
