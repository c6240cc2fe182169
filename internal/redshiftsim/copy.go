package redshiftsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5/pgconn"
)

// copyCmd is a parsed COPY ... FROM 's3://...'.
type copyCmd struct {
	table    string   // as written (quoted, qualified)
	columns  []string // as written, or nil
	from     string
	manifest bool
	fill     bool
}

var (
	reCopy    = regexp.MustCompile(`(?is)^COPY\s+((?:"(?:[^"]|"")*"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\w$]+))*)\s*(?:\(([^)]*)\))?\s*FROM\s+(.*)$`)
	reRoleARN = regexp.MustCompile(`^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// parseCopy reads a COPY statement under the rules of COPY from columnar
// data formats: with FORMAT AS PARQUET only ACCEPTANYDATE, ACCEPTINVCHARS,
// FILLRECORD, MANIFEST, STATUPDATE, EXPLICIT_IDS, SERIALIZETOJSON and the
// authorization parameters are allowed
// (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html,
// https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html).
func parseCopy(sql string) (*copyCmd, error) {
	m := reCopy.FindStringSubmatch(sql)
	if m == nil {
		return nil, errorf("42601", "syntax error in COPY")
	}
	c := &copyCmd{table: m[1]}
	if m[2] != "" {
		for _, col := range strings.Split(m[2], ",") {
			c.columns = append(c.columns, strings.TrimSpace(col))
		}
	}
	toks := lex(m[3])
	if len(toks) == 0 || toks[0].kind != 's' {
		if len(toks) > 0 && toks[0].is("STDIN") {
			// https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-features.html
			return nil, errorf("0A000", "COPY FROM STDIN is not supported")
		}
		return nil, errorf("42601", "COPY: FROM must name an s3:// location in quotes")
	}
	c.from = toks[0].text
	if !strings.HasPrefix(c.from, "s3://") {
		return nil, errorf("XX000", "COPY: %s is not an s3:// location", c.from)
	}
	parquet, auth := false, false
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if t.kind != 'w' {
			return nil, errorf("42601", "syntax error at or near %q in COPY", t.text)
		}
		switch kw := strings.ToUpper(t.text); kw {
		case "IAM_ROLE":
			if i+1 >= len(toks) {
				return nil, errorf("42601", "IAM_ROLE needs a value")
			}
			i++
			v := toks[i]
			// "IAM_ROLE { default | 'arn:aws:iam::<AWS account-id>:role/<role-name>' }":
			// default is a keyword; quoted, it is an ARN that must parse.
			if !(v.kind == 'w' && strings.EqualFold(v.text, "default")) && !(v.kind == 's' && reRoleARN.MatchString(v.text)) {
				return nil, errorf("XX000", "Invalid credentials. Must be of the format: credentials 'aws_iam_role=...' or 'aws_access_key_id=...;aws_secret_access_key=...[;token=...]' (IAM_ROLE %q)", v.text)
			}
			auth = true
		case "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN":
			i++
			auth = true
		case "FORMAT":
			if i+1 < len(toks) && toks[i+1].is("AS") {
				i++
			}
			if i+1 >= len(toks) || !toks[i+1].is("PARQUET") {
				return nil, errorf("0A000", "the simulator runs COPY FORMAT AS PARQUET only")
			}
			i++
			parquet = true
		case "PARQUET":
			parquet = true
		case "MANIFEST":
			c.manifest = true
		case "FILLRECORD":
			c.fill = true
		case "ACCEPTANYDATE", "ACCEPTINVCHARS", "EXPLICIT_IDS", "SERIALIZETOJSON":
		case "STATUPDATE", "COMPUPDATE":
			if i+1 < len(toks) && (toks[i+1].is("ON") || toks[i+1].is("OFF") || toks[i+1].is("TRUE") || toks[i+1].is("FALSE")) {
				i++
			}
		default:
			return nil, errorf("0A000", "%s argument is not supported for PARQUET based COPY", kw)
		}
	}
	if !parquet {
		return nil, errorf("0A000", "the simulator runs COPY FORMAT AS PARQUET only")
	}
	if !auth {
		return nil, errorf("XX000", "Missing AWS credentials: COPY needs IAM_ROLE or CREDENTIALS")
	}
	return c, nil
}

// source is one Parquet object to load.
type source struct {
	url      string
	size     int64
	optional bool // a manifest entry with mandatory false: skipped when missing
}

// manifestFile is the manifest's shape
// (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html).
type manifestFile struct {
	Entries []struct {
		URL       string `json:"url"`
		Mandatory bool   `json:"mandatory"`
		Meta      *struct {
			ContentLength *int64 `json:"content_length"`
		} `json:"meta"`
	} `json:"entries"`
}

// sources resolves the FROM location: a manifest's entries, or every
// object under a prefix.
func (s *session) sources(ctx context.Context, c *copyCmd) ([]source, error) {
	if !c.manifest {
		bucket, prefix, err := splitS3(c.from)
		if err != nil {
			return nil, err
		}
		var out []source
		p := s3.NewListObjectsV2Paginator(s.srv.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, errorf("XX000", "S3ServiceException: list %s: %v", c.from, err)
			}
			for _, o := range page.Contents {
				out = append(out, source{url: "s3://" + bucket + "/" + aws.ToString(o.Key), size: aws.ToInt64(o.Size)})
			}
		}
		if len(out) == 0 {
			return nil, errorf("XX000", "The specified S3 prefix '%s' does not exist", c.from)
		}
		return out, nil
	}
	b, err := s.get(ctx, c.from)
	if err != nil {
		return nil, errorf("XX000", "Manifest file %s could not be read: %v", c.from, err)
	}
	var m manifestFile
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errorf("XX000", "Manifest file is not in correct json format: %v", err)
	}
	var out []source
	for _, e := range m.Entries {
		// "The meta key is required for an Amazon Redshift Spectrum
		// external table and for loading data files in an ORC or Parquet
		// file format": content_length is the object's size in bytes
		// (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html).
		if e.Meta == nil || e.Meta.ContentLength == nil {
			return nil, &simError{code: "XX000", msg: fmt.Sprintf("Manifest entry %s has no meta.content_length: it is required when loading Parquet (error 15003)", e.URL)}
		}
		out = append(out, source{url: e.URL, size: *e.Meta.ContentLength, optional: !e.Mandatory})
	}
	return out, nil
}

func splitS3(u string) (bucket, key string, err error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "s3" || p.Host == "" {
		return "", "", errorf("XX000", "invalid S3 URL %s", u)
	}
	return p.Host, strings.TrimPrefix(p.Path, "/"), nil
}

func (s *session) get(ctx context.Context, u string) ([]byte, error) {
	bucket, key, err := splitS3(u)
	if err != nil {
		return nil, err
	}
	out, err := s.srv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// loadError is one row of SYS_LOAD_ERROR_DETAIL.
type loadError struct {
	file, column, colType, colLength, raw, msg string
	line                                       int64
	code                                       int
}

func (e *loadError) Error() string { return e.msg }

// copy runs COPY ... FORMAT AS PARQUET: all files in one statement, all
// or nothing. The tag carries no row count; pg_last_copy_count() tells it
// (https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_COUNT.html).
func (s *session) copy(ctx context.Context, sql string) error {
	c, err := parseCopy(sql)
	if err != nil {
		return err
	}
	s.lastCopyID = s.srv.nextQueryID()
	s.lastCopyCount = 0
	cols, err := s.tableColumns(ctx, c.table)
	if err != nil {
		return err
	}
	target, err := pickColumns(cols, c.columns)
	if err != nil {
		return err
	}
	srcs, err := s.sources(ctx, c)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	type result struct {
		rows int64
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		for _, src := range srcs {
			var n int64
			n, r.err = s.readParquet(ctx, src, target, c.fill, pw)
			r.rows += n
			if r.err != nil {
				break
			}
		}
		_ = pw.CloseWithError(r.err)
		done <- r
	}()
	names := make([]string, len(target))
	for i, t := range target {
		names[i] = quote(t.name)
	}
	_, err = s.be.CopyFrom(ctx, pr, fmt.Sprintf("COPY %s (%s) FROM STDIN", c.table, strings.Join(names, ", ")))
	_ = pr.Close()
	res := <-done
	var le *loadError
	var se *simError
	if errors.As(res.err, &le) || errors.As(res.err, &se) || err == nil {
		err = res.err
	}
	if err != nil {
		if errors.As(err, &le) {
			s.recordLoadError(ctx, le)
			// "Load into table 'x' failed. Check 'sys_load_error_detail'
			// system table for details."
			return &simError{code: "XX000", msg: fmt.Sprintf("Load into table '%s' failed.  Check 'sys_load_error_detail' system table for details.", unquoteName(c.table)), detail: le.msg}
		}
		if errors.As(err, &se) {
			return se
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe
		}
		return errorf("XX000", "%v", err)
	}
	s.lastCopyCount = res.rows
	s.complete("COPY")
	return nil
}

// recordLoadError writes the failure where Redshift keeps it, outside the
// failed transaction.
func (s *session) recordLoadError(ctx context.Context, le *loadError) {
	conn, err := pgconn.Connect(ctx, s.srv.Postgres)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	q := fmt.Sprintf(`INSERT INTO redshiftsim.sys_load_error_detail (query_id, start_time, file_name, line_number, column_name, column_type, column_length, error_code, error_message, raw_field_value)
VALUES (%d, clock_timestamp(), %s, %d, %s, %s, %s, %d, %s, %s);
INSERT INTO redshiftsim.stl_load_errors (query, starttime, filename, line_number, colname, type, col_length, err_code, err_reason, raw_field_value)
VALUES (%d, clock_timestamp(), %s, %d, %s, %s, %s, %d, %s, %s)`,
		s.lastCopyID, lit(le.file), le.line, lit(le.column), lit(le.colType), lit(le.colLength), le.code, lit(le.msg), lit(trunc(le.raw, 1024)),
		s.lastCopyID, lit(trunc(le.file, 256)), le.line, lit(le.column), lit(le.colType), lit(le.colLength), le.code, lit(trunc(le.msg, 100)), lit(trunc(le.raw, 1024)))
	_ = conn.Exec(ctx, q).Close()
}

func lit(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func unquoteName(t string) string {
	parts := strings.Split(t, ".")
	return strings.Trim(strings.TrimSpace(parts[len(parts)-1]), `"`)
}

// column is a table column as the database describes it.
type column struct {
	name   string
	typ    string // pg type name: varchar, int8, ...
	length int    // VARCHAR length in bytes, 0 when none
}

func (s *session) tableColumns(ctx context.Context, table string) ([]column, error) {
	rr := s.be.ExecParams(ctx, `SELECT a.attname, t.typname, CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 ELSE 0 END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [][]byte{[]byte(table)}, nil, nil, nil)
	var out []column
	for rr.NextRow() {
		v := rr.Values()
		n, _ := strconv.Atoi(string(v[2]))
		out = append(out, column{name: string(v[0]), typ: string(v[1]), length: n})
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// pickColumns orders the table's columns as the COPY column list names
// them (all columns, in table order, without a list).
func pickColumns(cols []column, list []string) ([]column, error) {
	if list == nil {
		return cols, nil
	}
	var out []column
	for _, l := range list {
		name := l
		if strings.HasPrefix(l, `"`) {
			name = strings.ReplaceAll(strings.Trim(l, `"`), `""`, `"`)
		} else {
			name = strings.ToLower(l)
		}
		found := false
		for _, c := range cols {
			if c.name == name {
				out = append(out, c)
				found = true
				break
			}
		}
		if !found {
			return nil, errorf("42703", "column %q does not exist", name)
		}
	}
	return out, nil
}

// copyText escapes a value for PostgreSQL's COPY text format.
func copyText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
}
