package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// source is a MariaDB orders table that the test mutates between runs the
// way an application would: inserts, updates that move updated_at, late
// commits whose cursor lies behind the extracted watermark (inside the
// lookback), and runs of equal cursor values.
type source struct {
	db    testenv.MySQLDB
	rng   *rand.Rand
	base  time.Time // cursor clock of round 0
	round int
	maxID int64
}

const sourceDDL = `CREATE TABLE orders (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	amount DECIMAL(12,2) NOT NULL,
	note VARCHAR(64) NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	KEY (updated_at)
)`

func newSource(t *testing.T, rng *rand.Rand) *source {
	t.Helper()
	db := testenv.MySQL(t)
	if _, err := db.DB.Exec(sourceDDL); err != nil {
		t.Fatalf("create source table: %v", err)
	}
	return &source{db: db, rng: rng, base: time.Now().UTC().Truncate(time.Second).Add(-3 * time.Hour)}
}

// table is DB.TABLE for --table.
func (s *source) table() string { return s.db.Name + ".orders" }

// clock is the cursor time of round r: two minutes apart, so a 5m lookback
// re-reads about two rounds and leaves older ones behind the watermark.
func (s *source) clock(r int) time.Time { return s.base.Add(time.Duration(r) * 2 * time.Minute) }

func (s *source) note(id int64) any {
	switch s.rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return fmt.Sprintf("grüße #%d", id)
	default:
		return fmt.Sprintf("n%d-%d", id, s.rng.IntN(1000))
	}
}

func (s *source) amount() string {
	return fmt.Sprintf("%d.%02d", s.rng.IntN(100000)-1000, s.rng.IntN(100))
}

// insert adds n rows with cursor at; created_at spreads them over four
// days (four partitions).
func (s *source) insert(t *testing.T, n int, at time.Time) {
	t.Helper()
	if n == 0 {
		return
	}
	var q strings.Builder
	args := make([]any, 0, 5*n)
	q.WriteString("INSERT INTO orders (id, amount, note, created_at, updated_at) VALUES ")
	for i := range n {
		s.maxID++
		if i > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?,?,?,?,?)")
		created := s.base.Add(-time.Duration(s.maxID%4)*24*time.Hour + time.Duration(s.maxID)*time.Second)
		args = append(args, s.maxID, s.amount(), s.note(s.maxID), created, at.Add(time.Duration(i/3)*time.Millisecond))
	}
	if _, err := s.db.DB.Exec(q.String(), args...); err != nil {
		t.Fatalf("insert into source: %v", err)
	}
}

// update changes n distinct random rows, moving their cursor to at (in
// runs of three equal values).
func (s *source) update(t *testing.T, n int, at time.Time) {
	t.Helper()
	for i, id := range s.rng.Perm(int(s.maxID))[:min(n, int(s.maxID))] {
		_, err := s.db.DB.Exec("UPDATE orders SET amount = ?, note = ?, updated_at = ? WHERE id = ?",
			s.amount(), s.note(int64(id+1)), at.Add(time.Duration(i/3)*time.Millisecond), id+1)
		if err != nil {
			t.Fatalf("update source: %v", err)
		}
	}
}

// mutate is one round of application traffic between two extracts.
func (s *source) mutate(t *testing.T, inserts, updates, late int) {
	t.Helper()
	s.round++
	now := s.clock(s.round)
	s.update(t, updates, now.Add(time.Second))
	s.insert(t, inserts, now.Add(2*time.Second))
	// Late commits: a cursor a minute before the previous round's, which
	// the last extract's watermark has passed but the lookback covers.
	s.insert(t, late, s.clock(s.round-1).Add(-time.Minute))
}

// version is one (key, cursor) pair of a row.
type version struct {
	ID       int64
	CursorUS int64
}

// versions returns the source's current (id, updated_at) pairs with each
// row's content, to accumulate "every version extraction saw".
func (s *source) versions(t *testing.T) map[version]string {
	t.Helper()
	rows, err := s.db.DB.QueryContext(context.Background(), sourceRowsQuery)
	if err != nil {
		t.Fatalf("read source versions: %v", err)
	}
	defer rows.Close()
	out := map[version]string{}
	err = scanRows(rows, func(r row) { out[version{r.id, r.cursorUS}] = r.content() })
	if err != nil {
		t.Fatalf("read source versions: %v", err)
	}
	return out
}

// sourceRowsQuery reads the source in the shape every digest uses.
const sourceRowsQuery = `SELECT id, CAST(amount * 100 AS SIGNED), note,
	TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', updated_at) FROM orders ORDER BY id`

// digest summarizes the source's current rows.
func (s *source) digest(t *testing.T) digest {
	t.Helper()
	d, err := digestQuery(context.Background(), s.db.DB, sourceRowsQuery)
	if err != nil {
		t.Fatalf("digest source: %v", err)
	}
	return d
}

// addAll merges src into dst.
func addAll(dst, src map[version]string) {
	for k, v := range src {
		dst[k] = v
	}
}
