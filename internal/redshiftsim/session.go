package redshiftsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// session is one client connection and its backend connection.
type session struct {
	srv  *Server
	conn net.Conn
	fe   *pgproto3.Backend
	be   *pgconn.PgConn
	user string

	lastCopyCount int64
	lastCopyID    int64
	stmts         map[string]*prepared
	portals       map[string]*portal
}

type prepared struct {
	sql  string
	oids []uint32
}

// portal is a bound statement; its result is read at the first Describe
// or Execute and kept until Execute sends it.
type portal struct {
	stmt       *prepared
	params     [][]byte
	formats    []int16
	results    []int16
	ran        bool
	fields     []pgconn.FieldDescription
	rows       [][][]byte
	tag        string
	err        error
	hasResults bool
}

func newSession(s *Server, c net.Conn) *session {
	return &session{srv: s, conn: c, fe: pgproto3.NewBackend(c, c), stmts: map[string]*prepared{}, portals: map[string]*portal{}}
}

func (s *session) run() {
	defer s.conn.Close()
	if err := s.startup(); err != nil {
		return
	}
	defer s.be.Close(context.Background())
	ctx := context.Background()
	skipToSync := false
	for {
		msg, err := s.fe.Receive()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Terminate:
			return
		case *pgproto3.Query:
			s.simpleQuery(ctx, m.String)
			skipToSync = false
		case *pgproto3.Sync:
			skipToSync = false
			s.fe.Send(&pgproto3.ReadyForQuery{TxStatus: s.txStatus()})
		case *pgproto3.Flush:
		default:
			if skipToSync {
				continue
			}
			if err := s.extended(ctx, msg); err != nil {
				s.sendError(err)
				skipToSync = true
			}
		}
		if err := s.fe.Flush(); err != nil {
			return
		}
	}
}

// startup answers the startup packet as Redshift does: no TLS here, any
// password, and Redshift's server parameters. Redshift reports
// server_version 8.0.2 and client_encoding UNICODE and has no
// standard_conforming_strings setting
// (https://docs.aws.amazon.com/redshift/latest/dg/c_redshift-and-postgres-sql.html,
// https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html).
func (s *session) startup() error {
	for {
		msg, err := s.fe.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := s.conn.Write([]byte("N")); err != nil {
				return err
			}
			continue
		case *pgproto3.CancelRequest:
			return io.EOF
		case *pgproto3.StartupMessage:
			s.user = m.Parameters["user"]
		default:
			return fmt.Errorf("unexpected startup message %T", msg)
		}
		break
	}
	ctx := context.Background()
	be, err := pgconn.Connect(ctx, s.srv.Postgres)
	if err != nil {
		s.fe.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08006", Message: err.Error()})
		_ = s.fe.Flush()
		return err
	}
	// Redshift literals treat a backslash as an escape character: the
	// database behind runs with standard_conforming_strings off.
	err = be.Exec(ctx, `SET standard_conforming_strings = off; SET escape_string_warning = off;
		SET search_path = "$user", public, redshiftsim; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'`).Close()
	if err != nil {
		_ = be.Close(ctx)
		return err
	}
	s.be = be
	s.fe.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"application_name", ""}, {"client_encoding", "UNICODE"}, {"DateStyle", "ISO, MDY"},
		{"integer_datetimes", "on"}, {"IntervalStyle", "postgres"}, {"is_superuser", "on"},
		{"server_encoding", "UNICODE"}, {"server_version", "8.0.2"}, {"session_authorization", s.user},
		{"TimeZone", "UTC"},
	} {
		s.fe.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	s.fe.Send(&pgproto3.BackendKeyData{ProcessID: uint32(be.PID()), SecretKey: []byte{0, 0, 0, 1}})
	s.fe.Send(&pgproto3.ReadyForQuery{TxStatus: be.TxStatus()})
	return s.fe.Flush()
}

func (s *session) txStatus() byte { return s.be.TxStatus() }

func (s *session) inTx() bool { st := s.be.TxStatus(); return st == 'T' || st == 'E' }

// simpleQuery runs each statement of a Query message in turn, stopping at
// the first error.
func (s *session) simpleQuery(ctx context.Context, sql string) {
	stmts := split(sql)
	if len(stmts) == 0 {
		s.fe.Send(&pgproto3.EmptyQueryResponse{})
	}
	for _, st := range stmts {
		if err := s.statement(ctx, st); err != nil {
			s.sendError(err)
			break
		}
	}
	s.fe.Send(&pgproto3.ReadyForQuery{TxStatus: s.txStatus()})
}

// simError is an error the simulator raises itself, as Redshift would.
type simError struct {
	code, msg, detail string
}

func (e *simError) Error() string { return e.msg }

func errorf(code, format string, args ...any) error {
	return &simError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (s *session) sendError(err error) {
	var pe *pgconn.PgError
	var se *simError
	switch {
	case errors.As(err, &se):
		s.fe.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: se.code, Message: se.msg, Detail: se.detail})
	case errors.As(err, &pe):
		s.fe.Send(&pgproto3.ErrorResponse{Severity: pe.Severity, SeverityUnlocalized: pe.SeverityUnlocalized, Code: pe.Code,
			Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint, Position: pe.Position, SchemaName: pe.SchemaName,
			TableName: pe.TableName, ColumnName: pe.ColumnName, ConstraintName: pe.ConstraintName})
	default:
		s.fe.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "XX000", Message: err.Error()})
	}
}

// passThrough runs sql (one statement, simple protocol) on the backend and
// relays its results.
func (s *session) passThrough(ctx context.Context, sql string) error {
	mrr := s.be.Exec(ctx, sql)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		if fds := rr.FieldDescriptions(); len(fds) > 0 {
			s.fe.Send(rowDescription(fds))
		}
		for rr.NextRow() {
			s.fe.Send(&pgproto3.DataRow{Values: rr.Values()})
		}
		tag, err := rr.Close()
		if err != nil {
			continue // reported by mrr.Close
		}
		s.fe.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag.String())})
	}
	return mrr.Close()
}

func rowDescription(fds []pgconn.FieldDescription) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{Fields: make([]pgproto3.FieldDescription, len(fds))}
	for i, f := range fds {
		rd.Fields[i] = pgproto3.FieldDescription{Name: []byte(f.Name), TableOID: f.TableOID, TableAttributeNumber: f.TableAttributeNumber,
			DataTypeOID: f.DataTypeOID, DataTypeSize: f.DataTypeSize, TypeModifier: f.TypeModifier, Format: f.Format}
	}
	return rd
}

// complete sends a command tag for a statement the simulator ran itself.
func (s *session) complete(tag string) {
	s.fe.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}
