// Package redshiftsim is a Redshift-semantics SQL endpoint for tests: a
// PostgreSQL wire-protocol server (pgproto3) in front of a real
// PostgreSQL database that behaves as Amazon Redshift wherever lakectl
// depends on it. It reports the server parameters Redshift reports, runs
// COPY ... FORMAT AS PARQUET [MANIFEST] by reading the manifest and the
// Parquet files from S3 (MinIO) with its own Parquet reader under
// Redshift's rules, answers pg_last_copy_count() and SYS_LOAD_ERROR_DETAIL,
// commits on TRUNCATE, refuses what Redshift refuses inside a transaction
// block and accepts Redshift's DDL. Each behaviour cites the AWS page it
// follows.
//
// Everything else is PostgreSQL's: the simulator is faithful where lakectl
// relies on Redshift, not a Redshift.
package redshiftsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/internal/testenv"
)

// IAMRole is the role in the URLs Start returns.
const IAMRole = "arn:aws:iam::123456789012:role/lakectl-sim"

// Server is a running simulator.
type Server struct {
	// URL is a redshift:// URL lakectl accepts (sslmode=disable, COPY
	// with IAMRole).
	URL string
	// Postgres is the postgres:// URL of the database behind it, for a
	// test's independent reads.
	Postgres string
	// Addr is host:port of the listener.
	Addr string

	s3    *s3.Client
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	done  bool
	seq   int64 // query ids of COPYs
	conns map[net.Conn]bool
}

// Start starts a simulator over a fresh PostgreSQL database of the test
// and returns its redshift:// URL. Everything stops when the test ends.
func Start(t testing.TB) (url string) {
	t.Helper()
	return StartServer(t).URL
}

// StartServer is Start returning the Server (its PostgreSQL URL too).
func StartServer(t testing.TB) *Server {
	t.Helper()
	pg := testenv.Postgres(t)
	env := testenv.S3(t)
	s, err := New(pg, env.Client)
	if err != nil {
		t.Fatalf("redshiftsim: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a simulator in front of the PostgreSQL database at pgURL,
// reading s3:// URLs with client.
func New(pgURL string, client *s3.Client) (*Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgconn.Connect(ctx, pgURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	if err := admin.Exec(ctx, systemTablesDDL).Close(); err != nil {
		return nil, fmt.Errorf("create system tables: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Postgres: pgURL, Addr: ln.Addr().String(), s3: client, ln: ln, conns: map[net.Conn]bool{}}
	s.URL = "redshift://awsuser:sim-Passw0rd@" + s.Addr + "/dev?sslmode=disable&iam_role=" + url.QueryEscape(IAMRole)
	s.wg.Go(s.accept)
	return s, nil
}

// Close stops listening, closes the client connections left open (their
// transactions roll back) and waits for the sessions to end.
func (s *Server) Close() {
	s.mu.Lock()
	s.done = true
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	_ = s.ln.Close()
	s.wg.Wait()
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.mu.Lock()
				done := s.done
				s.mu.Unlock()
				if !done {
					continue
				}
			}
			return
		}
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			newSession(s, c).run()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		})
	}
}

func (s *Server) nextQueryID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// systemTablesDDL creates the system views lakectl reads, in a schema on
// every session's search_path. Columns as documented:
// https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html
// https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html
const systemTablesDDL = `
CREATE SCHEMA IF NOT EXISTS redshiftsim;
CREATE TABLE IF NOT EXISTS redshiftsim.sys_load_error_detail (
    query_id bigint, transaction_id bigint, session_id integer, database_name char(128),
    table_id integer, start_time timestamp, file_name char(1280), line_number bigint,
    column_name char(127), column_type char(10), column_length char(10), "position" integer,
    error_code integer, error_message char(512), raw_line char(1024), raw_field_value char(1024));
CREATE TABLE IF NOT EXISTS redshiftsim.stl_load_errors (
    userid integer, slice integer, tbl integer, starttime timestamp, session integer, query integer,
    filename char(256), line_number bigint, colname char(127), type char(10), col_length char(10),
    "position" integer, raw_line char(1024), raw_field_value char(1024), err_code integer, err_reason char(100));
CREATE TABLE IF NOT EXISTS redshiftsim.table_layout (table_name text, change text, at timestamp DEFAULT clock_timestamp());
`
