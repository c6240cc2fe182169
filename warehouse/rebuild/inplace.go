package rebuild

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// In-place changes are the ones Redshift makes without a reload: VARCHAR
// widening, distribution and sort keys, encodings. They run outside a
// transaction block (ALTER COLUMN TYPE must; the key changes rewrite in
// the background), one statement at a time, each checkpointed:
// https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html
var (
	inPlaceAlter = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(\S+)\s+(` +
		`ALTER\s+COLUMN\s+\S+\s+TYPE\s+(VARCHAR|CHARACTER\s+VARYING|NVARCHAR)\s*\(\s*(\d+|MAX)\s*\)` +
		`|ALTER\s+COLUMN\s+\S+\s+ENCODE\s+\w+(\s*,\s*ALTER\s+COLUMN\s+\S+\s+ENCODE\s+\w+)*` +
		`|ALTER\s+DISTKEY\s+\S+|ALTER\s+DISTSTYLE\s+\w+(\s+DISTKEY\s+\S+)?` +
		`|ALTER\s+(COMPOUND\s+)?SORTKEY\s*(\([^)]*\)|AUTO|NONE)|ALTER\s+ENCODE\s+AUTO)\s*$`)
	// outsideTx are statements Redshift refuses inside a transaction
	// block: ALTER COLUMN TYPE, ALTER TABLE APPEND, VACUUM.
	outsideTx = regexp.MustCompile(`(?is)^(ALTER\s+TABLE\s+\S+\s+(ALTER\s+COLUMN\s+\S+\s+TYPE\b|APPEND\b|ALTER\s+(DISTKEY|DISTSTYLE|(COMPOUND\s+)?SORTKEY|ENCODE)\b)|VACUUM\b)`)
)

// stripComments drops leading comment lines of a statement.
func stripComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
			keep = append(keep, l)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// isInPlace says every statement is an in-place ALTER of the target table
// (quoted or not): then no new table, load or swap is needed.
func isInPlace(stmts []string, d MigrationData) bool {
	if len(stmts) == 0 {
		return false
	}
	for _, s := range stmts {
		m := inPlaceAlter.FindStringSubmatch(stripComments(s))
		if m == nil || !sameTable(m[1], d) {
			return false
		}
	}
	return true
}

func sameTable(ref string, d MigrationData) bool {
	r := strings.ToLower(strings.ReplaceAll(ref, `"`, ""))
	return r == d.Schema+"."+d.Name || (d.Schema == "public" || d.Schema == "main") && r == d.Name
}

// splitTx separates the statements that may run in one transaction from
// those that must run alone, in order after it.
func splitTx(stmts []string) (inTx, alone []string) {
	for _, s := range stmts {
		if outsideTx.MatchString(stripComments(s)) {
			alone = append(alone, s)
		} else {
			inTx = append(inTx, s)
		}
	}
	return inTx, alone
}

// alone runs each statement from the step's checkpoint on, outside a
// transaction, saving the checkpoint after each: a resume does not run a
// committed ALTER again. st.Done counts the step's statements done; the
// first `before` of them ran earlier (in one transaction).
func (x *executor) alone(ctx context.Context, st *Step, before int, stmts []string) error {
	for st.Done-before < len(stmts) {
		s := stmts[st.Done-before]
		var err error
		if a, ok := x.wh.(driver.OutsideTx); ok {
			err = a.ExecOutsideTx(ctx, s)
		} else {
			err = x.inTx(ctx, []string{s})
		}
		if err != nil {
			return fmt.Errorf("%s (outside a transaction, %d of %d): %w", firstLine(s), st.Done-before+1, len(stmts), err)
		}
		st.Done++
		x.log.Info("rebuild statement done", "run", x.r.Run, "statement", firstLine(s), "done", st.Done, "of", len(stmts))
		if err := x.r.save(ctx, x.store); err != nil {
			return err
		}
	}
	return nil
}

// alterInPlace is step 2 of an in-place run.
func (x *executor) alterInPlace(ctx context.Context) error {
	stmts := x.r.InPlaceStatements
	if stmts == nil {
		var err error
		if stmts, err = renderMigration(x.r.Migration, x.n.migrationData(x.r.Table)); err != nil {
			return err
		}
	}
	return x.alone(ctx, x.r.step(StepCreate), 0, stmts)
}

// verifyInPlace counts the altered table's rows: nothing was reloaded.
func (x *executor) verifyInPlace(ctx context.Context) error {
	var n int64
	if err := x.wh.Query(ctx, x.n.countStatement(x.n.qTarget), nil, func(scan func(...any) error) error { return scan(&n) }); err != nil {
		return fmt.Errorf("count rows of %s: %w", x.r.Target, err)
	}
	x.r.TableRows = n
	st := x.r.step(StepVerify)
	st.Rows, st.Detail = n, fmt.Sprintf("%s has %d rows after the in-place ALTERs", x.r.Target, n)
	return nil
}

// markInPlace turns the runbook into its cheap form: step 2 alters the
// table, steps 3, 5 and 6 have nothing to do.
func (r *Run) markInPlace(n names) {
	r.InPlace = true
	cr := r.step(StepCreate)
	cr.Title = "alter " + n.target + " in place"
	cr.Detail = "each ALTER outside a transaction (Redshift refuses ALTER COLUMN TYPE in one), checkpointed after each; no reload"
	for _, name := range []string{StepLoad, StepSwap, StepDropOld} {
		r.step(name).skip("in place: the migration only widens VARCHARs or changes DISTKEY, SORTKEY or ENCODE")
	}
	r.step(StepVerify).Title = "count the rows of " + n.target
}
