package redshiftsim

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"
)

// extended handles the extended-protocol messages pgx sends: Parse, Bind,
// Describe, Execute, Close. Statements are rewritten as in the simple
// protocol (pg_last_copy_count(), DDL); COPY and the statements the
// simulator runs itself are for the simple protocol only, as lakectl sends
// them.
func (s *session) extended(ctx context.Context, msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		sql, err := s.rewrite(m.Query)
		if err != nil {
			return err
		}
		s.stmts[m.Name] = &prepared{sql: sql, oids: m.ParameterOIDs}
		s.fe.Send(&pgproto3.ParseComplete{})
	case *pgproto3.Bind:
		st, ok := s.stmts[m.PreparedStatement]
		if !ok {
			return errorf("26000", "prepared statement %q does not exist", m.PreparedStatement)
		}
		params := make([][]byte, len(m.Parameters))
		for i, p := range m.Parameters {
			if p != nil {
				params[i] = append([]byte{}, p...)
			}
		}
		s.portals[m.DestinationPortal] = &portal{stmt: st, params: params, formats: m.ParameterFormatCodes, results: m.ResultFormatCodes}
		s.fe.Send(&pgproto3.BindComplete{})
	case *pgproto3.Describe:
		return s.describe(ctx, m)
	case *pgproto3.Execute:
		p, ok := s.portals[m.Portal]
		if !ok {
			return errorf("34000", "portal %q does not exist", m.Portal)
		}
		s.runPortal(ctx, p)
		if p.err != nil {
			return p.err
		}
		for _, r := range p.rows {
			s.fe.Send(&pgproto3.DataRow{Values: r})
		}
		p.rows = nil
		s.complete(p.tag)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(s.stmts, m.Name)
		} else {
			delete(s.portals, m.Name)
		}
		s.fe.Send(&pgproto3.CloseComplete{})
	default:
		return errorf("08P01", "unsupported message %T", msg)
	}
	return nil
}

func (s *session) describe(ctx context.Context, m *pgproto3.Describe) error {
	if m.ObjectType == 'S' {
		st, ok := s.stmts[m.Name]
		if !ok {
			return errorf("26000", "prepared statement %q does not exist", m.Name)
		}
		sd, err := s.be.Prepare(ctx, "", st.sql, st.oids)
		if err != nil {
			return err
		}
		st.oids = sd.ParamOIDs // the client encodes its arguments as described
		s.fe.Send(&pgproto3.ParameterDescription{ParameterOIDs: sd.ParamOIDs})
		if len(sd.Fields) == 0 {
			s.fe.Send(&pgproto3.NoData{})
		} else {
			s.fe.Send(rowDescription(sd.Fields))
		}
		return nil
	}
	p, ok := s.portals[m.Name]
	if !ok {
		return errorf("34000", "portal %q does not exist", m.Name)
	}
	s.runPortal(ctx, p)
	if p.err != nil {
		return p.err
	}
	if !p.hasResults {
		s.fe.Send(&pgproto3.NoData{})
	} else {
		s.fe.Send(rowDescription(p.fields))
	}
	return nil
}

// runPortal executes a portal once and keeps its whole result.
func (s *session) runPortal(ctx context.Context, p *portal) {
	if p.ran {
		return
	}
	p.ran = true
	rr := s.be.ExecParams(ctx, p.stmt.sql, p.params, p.stmt.oids, p.formats, p.results)
	p.fields = append(p.fields, rr.FieldDescriptions()...)
	p.hasResults = len(p.fields) > 0
	for rr.NextRow() {
		vals := rr.Values()
		row := make([][]byte, len(vals))
		for i, v := range vals {
			if v != nil {
				row[i] = append([]byte{}, v...)
			}
		}
		p.rows = append(p.rows, row)
	}
	tag, err := rr.Close()
	if err != nil {
		p.err = redshiftError(err)
		return
	}
	p.tag = tag.String()
}
