package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Pacing of the replication session.
const (
	receiveWait  = time.Second      // wait for a message before asking the server where it is
	statusPeriod = 10 * time.Second // standby status at least this often (wal_sender_timeout is 60s)
)

// changes is a CDC run after the first: it reads the slot's changes up to
// the WAL flush position taken at the start, appends them as row versions,
// commits, and only then advances the slot. Transactions that committed
// before the job's position (sent again after a crash) are skipped.
func (r *run) changes(ctx context.Context, src *pgx.Conn, tbl *table.Table, ti *tableInfo, st jobState) error {
	r.res.Mode, r.res.Op = "cdc", table.OpAppend
	r.res.LSNBefore, r.res.LSNAfter = st.LSN, st.LSN
	r.res.Parallel = 1
	if err := r.preflight(ctx, src, ti); err != nil {
		return err
	}
	if err := r.checkLayout(ctx, tbl); err != nil {
		return err
	}
	info, err := readSlot(ctx, src, r.opts.Slot)
	if err != nil {
		return err
	}
	if !info.exists {
		return badInput("%w: replication slot %s no longer exists, so changes after %s may be lost; take a new snapshot to start again",
			ErrSlotDropped, r.opts.Slot, st.LSN)
	}
	if info.active {
		if err := waitSlotFree(ctx, src, r.opts.Slot); err != nil {
			return err
		}
	}
	r.res.SlotRetainedBytes = info.retained
	if info.retained > r.opts.MaxSlotRetained {
		r.res.SlotOverLimit = true
		r.log.Warn("replication slot holds back more WAL than the limit: run this job more often, or drop the slot if the job is retired",
			"slot", r.opts.Slot, "retained_bytes", info.retained, "limit_bytes", r.opts.MaxSlotRetained)
	}
	from, err := pglogrepl.ParseLSN(st.LSN)
	if err != nil {
		return fmt.Errorf("bad LSN %q in the job's state: %w", st.LSN, err)
	}
	var target string
	if err := src.QueryRow(ctx, "SELECT pg_current_wal_flush_lsn()::text").Scan(&target); err != nil {
		return fmt.Errorf("read the WAL position: %w", err)
	}
	upto, _ := pglogrepl.ParseLSN(target)
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: r.res.Job, TableState: true, StaleAfter: r.opts.LockStaleAfter, Logger: r.log})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(context.WithoutCancel(ctx)) }()
	s := &stream{r: r, ti: ti, from: from, upto: upto, rels: map[uint32]*relInfo{}}
	pst, err := r.pump(ctx, tx, ti.changeSchema(), []source{s.run})
	if err != nil {
		return err
	}
	if r.res.Changes == 0 {
		r.res.Op = "none"
		return r.advanceSlot(ctx, src, s.stop)
	}
	r.res.LSNAfter = s.last.String()
	state := jobState{State: watermark.State{Source: r.res.Source, Mode: "cdc"}, Slot: r.opts.Slot, Publication: r.opts.Publication, LSN: r.res.LSNAfter}
	if err := r.commit(ctx, tx, state, pst); err != nil {
		return err
	}
	// The lake holds the changes: now the slot may let them go. A crash
	// before this line re-reads them and skips them by LSN.
	if r.opts.beforeAdvance != nil {
		if err := r.opts.beforeAdvance(); err != nil {
			return err
		}
	}
	return r.advanceSlot(ctx, src, max(s.last, s.stop))
}

// stream is one replication session's read of the slot.
type stream struct {
	r          *run
	ti         *tableInfo
	from, upto pglogrepl.LSN
	rels       map[uint32]*relInfo
	inTxn      bool
	skip       bool          // the current transaction is in the lake already
	last       pglogrepl.LSN // end of the last transaction read
	stop       pglogrepl.LSN // where the server said it was when the read stopped
	b          batch
	n          counts
}

func (s *stream) run(ctx context.Context, out chan<- batch) error {
	r := s.r
	conn, err := r.connectReplication(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	args := []string{"proto_version '1'", "publication_names '" + r.opts.Publication + "'"}
	if err := pglogrepl.StartReplication(ctx, conn, r.opts.Slot, s.from, pglogrepl.StartReplicationOptions{PluginArgs: args}); err != nil {
		return fmt.Errorf("start replication from slot %s: %w", r.opts.Slot, err)
	}
	s.last, s.stop = s.from, s.from
	lastMsg, lastStatus := time.Now(), time.Now()
	for {
		if time.Since(lastStatus) > statusPeriod {
			if err := s.status(ctx, conn, false); err != nil {
				return err
			}
			lastStatus = time.Now()
		}
		rctx, cancel := context.WithTimeout(ctx, receiveWait)
		msg, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !pgconn.Timeout(err) {
				return fmt.Errorf("read changes from slot %s (connection lost: server restarting?): %w; nothing was written, run again", r.opts.Slot, err)
			}
			if time.Since(lastMsg) > r.opts.IdleTimeout {
				return fmt.Errorf("read changes from slot %s: no message from the server for %s", r.opts.Slot, r.opts.IdleTimeout)
			}
			if err := s.status(ctx, conn, true); err != nil {
				return err
			}
			lastStatus = time.Now()
			continue
		}
		lastMsg = time.Now()
		done, err := s.message(ctx, msg, out)
		if err != nil || done {
			if err == nil && len(s.b.rows) > 0 {
				s.b.specials, s.n = s.n.specials, counts{}
				err = send(ctx, out, s.b)
			}
			return err
		}
	}
}

// status tells the server the job's position, which never moves during
// the read: the slot advances only after the lake commit.
func (s *stream) status(ctx context.Context, conn *pgconn.PgConn, reply bool) error {
	err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: s.from, ReplyRequested: reply})
	if err != nil {
		return fmt.Errorf("send status to slot %s: %w", s.r.opts.Slot, err)
	}
	return nil
}

// message handles one message; done is true once the read reached upto.
func (s *stream) message(ctx context.Context, msg pgproto3.BackendMessage, out chan<- batch) (bool, error) {
	switch m := msg.(type) {
	case *pgproto3.ErrorResponse:
		return false, fmt.Errorf("replication slot %s: %s (SQLSTATE %s)", s.r.opts.Slot, m.Message, m.Code)
	case *pgproto3.CopyData:
		if len(m.Data) == 0 {
			return false, nil
		}
		switch m.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(m.Data[1:])
			if err != nil {
				return false, err
			}
			if !s.inTxn && ka.ServerWALEnd >= s.upto {
				s.stop = max(s.stop, ka.ServerWALEnd)
				return true, nil
			}
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(m.Data[1:])
			if err != nil {
				return false, err
			}
			return s.xlog(ctx, xld, out)
		}
	}
	return false, nil
}

func (s *stream) xlog(ctx context.Context, xld pglogrepl.XLogData, out chan<- batch) (bool, error) {
	lm, err := pglogrepl.Parse(xld.WALData)
	if err != nil {
		return false, fmt.Errorf("decode change at %s: %w", xld.WALStart, err)
	}
	res := s.r.res
	switch m := lm.(type) {
	case *pglogrepl.RelationMessage:
		s.relation(m)
	case *pglogrepl.BeginMessage:
		s.inTxn = true
		s.skip = m.FinalLSN < s.from
	case *pglogrepl.CommitMessage:
		s.inTxn = false
		if !s.skip {
			s.last = max(s.last, m.TransactionEndLSN)
			res.Transactions++
		}
		s.stop = max(s.stop, m.TransactionEndLSN)
		return m.TransactionEndLSN >= s.upto, nil
	case *pglogrepl.InsertMessage:
		return false, s.change(ctx, m.RelationID, "c", xld.WALStart, m.Tuple, nil, out)
	case *pglogrepl.UpdateMessage:
		return false, s.change(ctx, m.RelationID, "u", xld.WALStart, m.NewTuple, m.OldTuple, out)
	case *pglogrepl.DeleteMessage:
		if m.OldTuple == nil {
			return false, fmt.Errorf("%w: a delete on %s carries no key; ALTER TABLE %s REPLICA IDENTITY DEFAULT (with a primary key) or FULL",
				ErrNoKey, res.Source, s.ti.qualified())
		}
		return false, s.change(ctx, m.RelationID, "d", xld.WALStart, m.OldTuple, nil, out)
	case *pglogrepl.TruncateMessage:
		res.Truncates++
		s.r.log.Warn("the table was truncated: a TRUNCATE is not a row version; take a new snapshot to drop the rows from the lake", "lsn", xld.WALStart.String())
	}
	return false, nil
}

// relInfo maps a relation's columns to the table's.
type relInfo struct {
	idx     []int  // table column of each relation column
	added   string // a relation column the table had not when the run began
	ignored bool   // another table of the publication
}

func (s *stream) relation(m *pglogrepl.RelationMessage) {
	ri := &relInfo{ignored: m.Namespace != s.ti.Schema || m.RelationName != s.ti.Name}
	for _, c := range m.Columns {
		i := s.ti.index(c.Name)
		if i < 0 && ri.added == "" {
			ri.added = c.Name
		}
		ri.idx = append(ri.idx, i)
	}
	s.rels[m.RelationID] = ri
}

// change turns one insert, update or delete into a row version.
func (s *stream) change(ctx context.Context, rel uint32, op string, lsn pglogrepl.LSN, tup, old *pglogrepl.TupleData, out chan<- batch) error {
	ri := s.rels[rel]
	if ri == nil || ri.ignored {
		return nil
	}
	res := s.r.res
	if s.skip {
		res.SkippedChanges++
		return nil
	}
	if ri.added != "" || len(tup.Columns) > len(ri.idx) {
		return fmt.Errorf("column %q was added to %s after the job's snapshot; take a new snapshot to add it to the lake", ri.added, res.Source)
	}
	ncol := len(s.ti.Columns)
	vals := make([]schema.Value, ncol+2)
	for i := range vals[:ncol] {
		vals[i] = schema.NullValue()
	}
	for i, c := range tup.Columns {
		ti := ri.idx[i]
		data := c.Data
		switch c.DataType {
		case pglogrepl.TupleDataTypeNull:
			continue
		case pglogrepl.TupleDataTypeToast:
			if old == nil || i >= len(old.Columns) || old.Columns[i].DataType != pglogrepl.TupleDataTypeText {
				res.UnchangedToast++
				continue
			}
			data = old.Columns[i].Data
		}
		v, err := s.ti.Columns[ti].value(data, &s.n)
		if err != nil {
			return fmt.Errorf("change at %s: %w", lsn, err)
		}
		vals[ti] = v
		s.b.bytes += int64(len(data))
	}
	vals[ncol] = schema.StringValue(op)
	vals[ncol+1] = schema.Int64Value(int64(lsn))
	res.Changes++
	switch op {
	case "c":
		res.Inserts++
	case "u":
		res.Updates++
	default:
		res.Deletes++
	}
	s.b.rows = append(s.b.rows, vals)
	if s.r.opts.afterChange != nil {
		s.r.opts.afterChange()
	}
	if len(s.b.rows) == batchRows {
		s.b.specials, s.n = s.n.specials, counts{}
		if err := send(ctx, out, s.b); err != nil {
			return err
		}
		s.b = batch{}
	}
	return nil
}
