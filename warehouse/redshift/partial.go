package redshift

import (
	"fmt"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// part is a run of consecutive files of a load that are staged the same
// way: whole files with COPY, or files of which only row ranges are new
// (a compaction of files some of which were loaded before) with INSERTs,
// since COPY cannot load part of a Parquet file.
type part struct {
	job    *driver.StageJob
	insert bool
}

// splitParts keeps the files' order (an upsert stamps each file's
// position). With more than one part, each gets its own load id suffix so
// that their manifests do not collide.
func splitParts(job *driver.StageJob) []part {
	var out []part
	for _, f := range job.Files {
		ranged := f.Ranges != nil
		if len(out) == 0 || out[len(out)-1].insert != ranged {
			j := *job
			j.Files = nil
			out = append(out, part{job: &j, insert: ranged})
		}
		p := &out[len(out)-1]
		p.job.Files = append(p.job.Files, f)
	}
	if len(out) > 1 {
		for i := range out {
			out[i].job.LoadID = fmt.Sprintf("%s-p%d", job.LoadID, i)
		}
	}
	return out
}

// PartialCopyError is a lake file of which only row ranges are new (a
// compaction of files some of which were loaded before), given to COPY,
// which loads whole Parquet files only. The file loads with INSERTs
// (load_method=insert) or by reloading the whole table.
type PartialCopyError struct{ Key string }

func (e *PartialCopyError) Error() string {
	return fmt.Sprintf("lake file %s is a compaction of files of which some were loaded already, and Redshift COPY cannot load part of a Parquet file", e.Key)
}
