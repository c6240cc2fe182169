package redshiftsim

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Redshift's VARCHAR(n) holds n bytes, PostgreSQL's n characters
// (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html).
// After each CREATE TABLE and ALTER TABLE the simulator gives every
// VARCHAR column a CHECK on its octet length, so INSERTs fail as they
// would on Redshift; COPY checks lengths itself and reports them in
// SYS_LOAD_ERROR_DETAIL.

const bytesCheckPrefix = "redshiftsim_bytes_"

var reTableOf = regexp.MustCompile(`(?is)^(?:CREATE\s+(?:(?:LOCAL\s+)?TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?|ALTER\s+TABLE\s+)((?:"(?:[^"]|"")*"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\w$]+))?)`)

// tableOfDDL is the table a CREATE TABLE or ALTER TABLE names, or "".
func tableOfDDL(sql string) string {
	m := reTableOf.FindStringSubmatch(stripComments(sql))
	if m == nil {
		return ""
	}
	return m[1]
}

// stripComments drops leading comment lines.
func stripComments(sql string) string {
	for {
		sql = strings.TrimSpace(sql)
		if !strings.HasPrefix(sql, "--") {
			return sql
		}
		_, rest, ok := strings.Cut(sql, "\n")
		if !ok {
			return ""
		}
		sql = rest
	}
}

// byteChecks (re)creates the octet-length checks of table's VARCHARs.
func (s *session) byteChecks(ctx context.Context, table string) error {
	cols, err := s.tableColumns(ctx, table)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, c := range cols {
		if c.typ != "varchar" || c.length == 0 {
			continue
		}
		name := quote(trunc(bytesCheckPrefix+c.name, 63))
		fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s; ALTER TABLE %s ADD CONSTRAINT %s CHECK (octet_length(%s) <= %d) NOT VALID;",
			table, name, table, name, quote(c.name), c.length)
	}
	if b.Len() == 0 {
		return nil
	}
	return s.be.Exec(ctx, b.String()).Close()
}

// redshiftError turns the failure of a byte check into Redshift's error.
func redshiftError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23514" && strings.HasPrefix(pe.ConstraintName, bytesCheckPrefix) {
		return &simError{code: "22001", msg: fmt.Sprintf("value too long for type character varying (column %s)", strings.TrimPrefix(pe.ConstraintName, bytesCheckPrefix))}
	}
	return err
}
