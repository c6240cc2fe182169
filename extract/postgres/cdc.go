package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/lake/table"
)

// Faults of the source's replication setup; each error names the setting
// to change.
var (
	ErrWALLevel    = errors.New("wal_level is not logical")
	ErrReplication = errors.New("missing REPLICATION privilege")
	ErrSlotDropped = errors.New("replication slot dropped")
	ErrNoKey       = errors.New("table has no key for change data capture")
)

// preflight checks that the server and the table can feed CDC.
func (r *run) preflight(ctx context.Context, conn *pgx.Conn, ti *tableInfo) error {
	var level string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&level); err != nil {
		return fmt.Errorf("read wal_level: %w", err)
	}
	if level != "logical" {
		return badInput("%w: the server runs wal_level = %s; set wal_level = logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL; on RDS set rds.logical_replication = 1 in the parameter group and reboot)",
			ErrWALLevel, level)
	}
	var ok bool
	var user string
	err := conn.QueryRow(ctx, `SELECT current_user::text, r.rolreplication OR r.rolsuper OR EXISTS (
		SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(current_user, g.oid, 'member'))
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&user, &ok)
	if err != nil {
		return fmt.Errorf("read the privileges of the current role: %w", err)
	}
	if !ok {
		return badInput("%w: role %q may not use logical replication; ALTER ROLE %s REPLICATION (on RDS: GRANT rds_replication TO %s)",
			ErrReplication, user, quoteIdent(user), quoteIdent(user))
	}
	switch {
	case ti.Identity == 'n':
		return badInput("%w: %s has REPLICA IDENTITY NOTHING, so its deletes carry no key; ALTER TABLE %s REPLICA IDENTITY DEFAULT (with a primary key) or FULL",
			ErrNoKey, r.res.Source, ti.qualified())
	case ti.Identity == 'd' && len(ti.Key) == 0:
		return badInput("%w: %s has no primary key, so its updates and deletes carry no key; add a primary key, or ALTER TABLE %s REPLICA IDENTITY FULL",
			ErrNoKey, r.res.Source, ti.qualified())
	}
	return nil
}

// ensurePublication creates the publication for the table when missing,
// and checks that an existing one publishes it.
func (r *run) ensurePublication(ctx context.Context, conn *pgx.Conn, ti *tableInfo) error {
	pub := r.opts.Publication
	var exists, has bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1),
		EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3)`,
		pub, ti.Schema, ti.Name).Scan(&exists, &has)
	if err != nil {
		return fmt.Errorf("read publication %s: %w", pub, err)
	}
	if !exists {
		q := fmt.Sprintf("CREATE PUBLICATION %s FOR TABLE %s WITH (publish = 'insert, update, delete')", pub, ti.qualified())
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("create publication %s (the table's owner or a superuser may; or create it and name it): %w", pub, err)
		}
		r.log.Info("created publication", "publication", pub, "table", r.res.Source)
		return nil
	}
	if !has {
		return badInput("publication %s does not publish %s; ALTER PUBLICATION %s ADD TABLE %s",
			pub, r.res.Source, pub, ti.qualified())
	}
	return nil
}

// slotInfo is one row of pg_replication_slots (read like pgType: another
// catalog, nothing to share but the idiom).
type slotInfo struct {
	exists, active bool
	plugin, db     string
	retained       int64
	confirmed      string
}

func readSlot(ctx context.Context, conn *pgx.Conn, slot string) (slotInfo, error) {
	var s slotInfo
	err := conn.QueryRow(ctx, `SELECT true, active, coalesce(plugin, ''), coalesce(database::text, ''),
		coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::int8, coalesce(confirmed_flush_lsn::text, '')
		FROM pg_replication_slots WHERE slot_name = $1`, slot).
		Scan(&s.exists, &s.active, &s.plugin, &s.db, &s.retained, &s.confirmed)
	if errors.Is(err, pgx.ErrNoRows) {
		return slotInfo{}, nil
	}
	if err != nil {
		return s, fmt.Errorf("read replication slot %s: %w", slot, err)
	}
	return s, nil
}

// cdcSnapshot is a CDC job's first run (or a resnapshot): it creates the
// slot, reads the snapshot the slot exported at its consistent point, and
// commits it with that point as the job's position. On failure the new
// slot is dropped, so no slot without a lake snapshot holds WAL back.
func (r *run) cdcSnapshot(ctx context.Context, src *pgx.Conn, tbl *table.Table, ti *tableInfo) error {
	if err := r.preflight(ctx, src, ti); err != nil {
		return err
	}
	if err := r.ensurePublication(ctx, src, ti); err != nil {
		return err
	}
	slot := r.opts.Slot
	info, err := readSlot(ctx, src, slot)
	if err != nil {
		return err
	}
	if info.exists {
		if info.active {
			if err := waitSlotFree(ctx, src, slot); err != nil {
				return err
			}
		}
		r.log.Warn("dropping a replication slot that has no snapshot in the lake for this job, to take one consistent with a new slot", "slot", slot)
		if _, err := src.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot); err != nil {
			return fmt.Errorf("drop replication slot %s: %w", slot, err)
		}
	}
	repl, err := r.connectReplication(ctx)
	if err != nil {
		return err
	}
	defer repl.Close(context.WithoutCancel(ctx))
	created, err := pglogrepl.CreateReplicationSlot(ctx, repl, slot, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{SnapshotAction: "EXPORT_SNAPSHOT", Mode: pglogrepl.LogicalReplication})
	if err != nil {
		return fmt.Errorf("create replication slot %s: %w", slot, err)
	}
	r.log.Info("created replication slot", "slot", slot, "consistent_point", created.ConsistentPoint)
	err = r.full(ctx, tbl, ti, &cdcStart{snapshot: created.SnapshotName, lsn: created.ConsistentPoint}, nil)
	if err != nil {
		repl.Close(context.WithoutCancel(ctx))
		r.dropSlot(context.WithoutCancel(ctx), src, slot)
	}
	return err
}

// slotBusyWait is how long a run waits for a slot still held by the
// session of a run that was killed: the server ends it on the closed socket.
const slotBusyWait = 15 * time.Second

// waitSlotFree waits until no session uses the slot.
func waitSlotFree(ctx context.Context, conn *pgx.Conn, slot string) error {
	deadline := time.Now().Add(slotBusyWait)
	for {
		info, err := readSlot(ctx, conn, slot)
		if err != nil || !info.active {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replication slot %s is in use by another session; stop it or name another slot", slot)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// dropSlot drops a slot this run created, waiting for its session to end.
func (r *run) dropSlot(ctx context.Context, conn *pgx.Conn, slot string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		_, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot)
		if err == nil || !isObjectInUse(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func isObjectInUse(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55006"
}

// advanceSlot moves the slot's confirmed position to lsn (never back),
// waiting for the run's own replication session to end.
func (r *run) advanceSlot(ctx context.Context, conn *pgx.Conn, lsn pglogrepl.LSN) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := conn.Exec(ctx, `SELECT pg_replication_slot_advance(slot_name, $2::text::pg_lsn) FROM pg_replication_slots
			WHERE slot_name = $1 AND confirmed_flush_lsn < $2::text::pg_lsn`, r.opts.Slot, lsn.String())
		if err == nil || !isObjectInUse(err) || ctx.Err() != nil {
			if err != nil {
				return fmt.Errorf("advance replication slot %s to %s: %w", r.opts.Slot, lsn, err)
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// replicationConnectError names the missing setting when the server
// refuses a replication session.
func replicationConnectError(cfg *pgx.ConnConfig, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "28000" || pe.Code == "42501") {
		if strings.Contains(pe.Message, "pg_hba") {
			return badInput("%w: pg_hba.conf has no entry allowing replication connections for user %q; add one for the database (host %s ...) and reload",
				ErrReplication, cfg.User, cfg.Database)
		}
		return badInput("%w: role %q may not use logical replication; ALTER ROLE %s REPLICATION", ErrReplication, cfg.User, cfg.User)
	}
	return fmt.Errorf("open a replication session to %s:%d: %w", cfg.Host, cfg.Port, err)
}
