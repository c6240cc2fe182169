package redshiftsim

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// statement runs one statement of a simple Query as Redshift would.
func (s *session) statement(ctx context.Context, sql string) error {
	toks := lex(sql)
	w := firstWords(toks, 4)
	switch {
	case len(w) >= 1 && w[0] == "COPY":
		return s.copy(ctx, sql)
	case len(w) >= 1 && w[0] == "TRUNCATE":
		return s.truncate(ctx, sql)
	case len(w) >= 2 && w[0] == "ALTER" && w[1] == "TABLE":
		if err := s.alterTable(ctx, sql, toks); err != errPassThrough {
			return err
		}
	}
	rewritten, err := s.rewrite(sql)
	if err != nil {
		return err
	}
	if err := s.passThrough(ctx, rewritten); err != nil {
		return redshiftError(err)
	}
	// A renamed table keeps its checks; the old name no longer exists.
	if t := tableOfDDL(sql); t != "" && !reAppend.MatchString(sql) && !reRenameTable.MatchString(stripComments(sql)) {
		return s.byteChecks(ctx, t)
	}
	return nil
}

var errPassThrough = fmt.Errorf("pass through")

// truncate commits the open transaction: "TRUNCATE commits the
// transaction in which it is run"
// (https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNCATE.html).
func (s *session) truncate(ctx context.Context, sql string) error {
	inTx := s.inTx()
	if err := s.be.Exec(ctx, sql).Close(); err != nil {
		return err
	}
	if inTx {
		if err := s.be.Exec(ctx, "COMMIT").Close(); err != nil {
			return err
		}
	}
	s.complete("TRUNCATE TABLE")
	return nil
}

var (
	reAlterColumnType = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(.+?)\s+ALTER\s+COLUMN\s+(.+?)\s+TYPE\s+(.+)$`)
	reAppend          = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(.+?)\s+APPEND\s+FROM\s+(.+?)(\s+(IGNOREEXTRA|FILLTARGET))?\s*$`)
	reAlterLayout     = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(.+?)\s+(ALTER\s+(?:DISTKEY\b|DISTSTYLE\b|(?:COMPOUND\s+)?SORTKEY\b|ENCODE\s+AUTO\b|COLUMN\s+\S+\s+ENCODE\b).*)$`)
	reAddColumn       = regexp.MustCompile(`(?i)\bADD\s+COLUMN\b`)
	reRenameTable     = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+.+?\s+RENAME\s+TO\s+`)
	reVarchar         = regexp.MustCompile(`(?i)^\s*(VARCHAR|CHARACTER\s+VARYING|NVARCHAR|TEXT)\b`)
)

// alterTable applies Redshift's rules to ALTER TABLE; errPassThrough
// means PostgreSQL runs it as written (after rewrite).
func (s *session) alterTable(ctx context.Context, sql string, toks []token) error {
	if m := reAlterColumnType.FindStringSubmatch(sql); m != nil {
		// "ALTER COLUMN ... TYPE can't run inside a transaction block" and
		// only changes the length of a VARCHAR column
		// (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html).
		if s.inTx() {
			return errorf("25001", "ALTER TABLE ALTER COLUMN cannot run inside a transaction block")
		}
		if !reVarchar.MatchString(m[3]) {
			return errorf("0A000", "target data type %s is not supported: ALTER COLUMN TYPE only changes the size of a VARCHAR column", strings.TrimSpace(m[3]))
		}
		return errPassThrough
	}
	if m := reAlterLayout.FindStringSubmatch(sql); m != nil {
		// ALTER DISTKEY / DISTSTYLE / SORTKEY / ENCODE change how Redshift
		// stores a table, not what it holds
		// (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html):
		// the table must exist; the change is recorded in
		// redshiftsim.table_layout for tests to see.
		if _, err := s.tableColumns(ctx, m[1]); err != nil {
			return err
		}
		q := fmt.Sprintf("INSERT INTO redshiftsim.table_layout (table_name, change) VALUES (%s, %s)", lit(unquoteName(m[1])), lit(strings.TrimSpace(m[2])))
		if err := s.be.Exec(ctx, q).Close(); err != nil {
			return err
		}
		s.complete("ALTER TABLE")
		return nil
	}
	if m := reAppend.FindStringSubmatch(sql); m != nil {
		// "ALTER TABLE APPEND can't run inside a transaction block"; it
		// moves the rows of the source into the target, leaving the source
		// empty (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html).
		if s.inTx() {
			return errorf("25001", "ALTER TABLE APPEND cannot run inside a transaction block")
		}
		return s.appendTable(ctx, m[1], m[2], strings.ToUpper(strings.TrimSpace(m[4])))
	}
	// "ADD COLUMN ... You can add only one column in each ALTER TABLE
	// statement" (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html).
	if len(reAddColumn.FindAllStringIndex(sql, -1)) > 1 {
		return errorf("0A000", "ALTER TABLE ADD COLUMN adds one column per statement")
	}
	return errPassThrough
}

// appendTable moves the rows of source into target by column name.
func (s *session) appendTable(ctx context.Context, target, source, option string) error {
	tcols, err := s.columnNames(ctx, target)
	if err != nil {
		return err
	}
	scols, err := s.columnNames(ctx, source)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range scols {
		have[c] = true
	}
	var common []string
	for _, c := range tcols {
		if have[c] {
			common = append(common, quote(c))
			delete(have, c)
		} else if option != "FILLTARGET" {
			return errorf("XX000", "ALTER TABLE APPEND: column %s of the target is not in the source (use FILLTARGET)", c)
		}
	}
	if len(have) > 0 && option != "IGNOREEXTRA" {
		return errorf("XX000", "ALTER TABLE APPEND: the source has columns the target lacks (use IGNOREEXTRA)")
	}
	cols := strings.Join(common, ", ")
	q := fmt.Sprintf("BEGIN; INSERT INTO %s (%s) SELECT %s FROM %s; DELETE FROM %s; COMMIT", target, cols, cols, source, source)
	if err := s.be.Exec(ctx, q).Close(); err != nil {
		_ = s.be.Exec(ctx, "ROLLBACK").Close()
		return err
	}
	s.complete("ALTER TABLE APPEND")
	return nil
}

func (s *session) columnNames(ctx context.Context, table string) ([]string, error) {
	cols, err := s.tableColumns(ctx, table)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out, nil
}

func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

var (
	reLastCopyCount = regexp.MustCompile(`(?i)\bpg_last_copy_count\s*\(\s*\)`)
	reLastCopyID    = regexp.MustCompile(`(?i)\bpg_last_copy_id\s*\(\s*\)`)
	reGetdate       = regexp.MustCompile(`(?i)\bGETDATE\s*\(\s*\)`)
	reAdvisory      = regexp.MustCompile(`(?i)\bpg_(try_)?advisory_\w*lock\w*\s*\(`)
	reOnConflict    = regexp.MustCompile(`(?i)\bON\s+CONFLICT\b`)
	ddlRewrites     = []struct {
		re   *regexp.Regexp
		with string
	}{
		// https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html
		{regexp.MustCompile(`(?i)\bDISTSTYLE\s+(AUTO|EVEN|KEY|ALL)\b`), ""},
		{regexp.MustCompile(`(?i)\bDISTKEY\s*\([^)]*\)`), ""},
		{regexp.MustCompile(`(?i)\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*(\([^)]*\)|AUTO\b)`), ""},
		{regexp.MustCompile(`(?i)\b(DISTKEY|SORTKEY)\b`), ""},
		{regexp.MustCompile(`(?i)\bENCODE\s+\w+`), ""},
		{regexp.MustCompile(`(?i)\bBACKUP\s+(YES|NO)\b`), ""},
		// https://docs.aws.amazon.com/redshift/latest/dg/r_SUPER_type.html
		{regexp.MustCompile(`(?i)\bSUPER\b`), "jsonb"},
		// https://docs.aws.amazon.com/redshift/latest/dg/r_VARBYTE_type.html
		{regexp.MustCompile(`(?i)\b(VARBYTE|VARBINARY|BINARY\s+VARYING)\s*(\(\s*\d+\s*\))?`), "bytea"},
		// https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html
		{regexp.MustCompile(`(?i)\bVARCHAR\s*\(\s*MAX\s*\)`), "VARCHAR(65535)"},
	}
	reIdentity = regexp.MustCompile(`(?i)\bIDENTITY\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)`)
)

// rewrite turns Redshift SQL into the PostgreSQL that behaves the same
// here, and refuses what Redshift does not have.
func (s *session) rewrite(sql string) (string, error) {
	if reAdvisory.MatchString(sql) {
		// Redshift has no advisory locks
		// (https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html).
		return "", errorf("42883", "function pg_advisory_xact_lock does not exist")
	}
	if reOnConflict.MatchString(sql) {
		// https://docs.aws.amazon.com/redshift/latest/dg/r_INSERT_30.html has no ON CONFLICT.
		return "", errorf("42601", `syntax error at or near "ON CONFLICT"`)
	}
	// "PG_LAST_COPY_COUNT returns the number of rows that were loaded by
	// the last COPY command executed in the current session"
	// (https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_COUNT.html).
	sql = reLastCopyCount.ReplaceAllString(sql, fmt.Sprintf("CAST(%d AS integer)", s.lastCopyCount))
	// https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html
	sql = reLastCopyID.ReplaceAllString(sql, fmt.Sprintf("CAST(%d AS integer)", s.lastCopyID))
	// https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html: the
	// start of the current statement, without time zone.
	sql = reGetdate.ReplaceAllString(sql, "LOCALTIMESTAMP(0)")
	if w := firstWords(lex(sql), 3); len(w) >= 2 && (w[0] == "ALTER" && w[1] == "TABLE" || w[0] == "CREATE" && (w[1] == "TABLE" || len(w) == 3 && w[2] == "TABLE")) {
		for _, r := range ddlRewrites {
			sql = r.re.ReplaceAllString(sql, r.with)
		}
		// https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html: IDENTITY(seed, step).
		sql = reIdentity.ReplaceAllStringFunc(sql, func(m string) string {
			p := reIdentity.FindStringSubmatch(m)
			return fmt.Sprintf("GENERATED BY DEFAULT AS IDENTITY (START WITH %s INCREMENT BY %s MINVALUE %s)", p[1], p[2], minOf(p[1]))
		})
	}
	return sql, nil
}

func minOf(seed string) string {
	if strings.HasPrefix(seed, "-") || seed == "0" {
		return seed
	}
	return "1"
}
