package mysql

import (
	"fmt"
	"testing"
)

// lakeDigest is row count, NULL counts and an ordered md5 of the rows.
func lakeDigest(t *testing.T, f *fixture, table, orderBy string) string {
	duck := f.duck(table)
	return scalar(t, duck, fmt.Sprintf(`SELECT count(*) || '/' || count(v) || '/' || sum(n) || '/' ||
		md5(string_agg(concat_ws('|', k1, k2, coalesce(v, '~'), n), ',' ORDER BY %s)) FROM lk`, orderBy))
}

func mariaDigest(t *testing.T, f *fixture, table, orderBy string) string {
	return scalar(t, f.my.DB, fmt.Sprintf(`SET STATEMENT group_concat_max_len = 1073741824 FOR SELECT CONCAT(count(*), '/', count(v), '/', sum(n), '/',
		md5(group_concat(concat_ws('|', k1, k2, coalesce(v, '~'), n) ORDER BY %s SEPARATOR ','))) FROM %s`, orderBy, table))
}

func TestFullExtractMatchesSourceForEveryKeyShape(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE single_key (k1 BIGINT NOT NULL PRIMARY KEY, k2 INT NOT NULL, v VARCHAR(20), n BIGINT NOT NULL)",
		"INSERT INTO single_key SELECT seq, seq % 7, IF(seq % 5 = 0, NULL, CONCAT('v', seq)), seq * 3 FROM seq_1_to_30000",
		"CREATE TABLE composite (k1 VARCHAR(10) NOT NULL, k2 INT NOT NULL, v VARCHAR(20), n BIGINT NOT NULL, PRIMARY KEY (k1, k2))",
		"INSERT INTO composite SELECT CONCAT('g', seq % 13), seq, IF(seq % 3 = 0, NULL, 'x😀'), seq FROM seq_1_to_30000",
		"CREATE TABLE no_key (k1 INT NOT NULL, k2 INT NOT NULL, v VARCHAR(20), n BIGINT NOT NULL)",
		"INSERT INTO no_key SELECT seq, seq % 11, NULL, seq FROM seq_1_to_5000",
		"INSERT INTO no_key SELECT seq, seq % 11, NULL, seq FROM seq_1_to_10", // duplicates: no key at all
	)
	for _, tc := range []struct {
		table    string
		key      []string
		parallel int
		orderBy  string
	}{
		{"single_key", nil, 1, "k1"},
		{"single_key", nil, 2, "k1"},
		{"composite", nil, 1, "k1, k2"},
		{"composite", nil, 2, "k1, k2"},
		{"composite", []string{"k2"}, 2, "k1, k2"},
		{"no_key", nil, 2, "k1, k2, n"},
	} {
		t.Run(fmt.Sprintf("%s/key=%v/parallel=%d", tc.table, tc.key, tc.parallel), func(t *testing.T) {
			o := f.opts(tc.table)
			o.Key, o.Parallel, o.ChunkRows = tc.key, tc.parallel, 1000
			res := f.mustExtract(o)
			want := mariaDigest(t, f, tc.table, tc.orderBy)
			if got := lakeDigest(t, f, tc.table, tc.orderBy); got != want {
				t.Fatalf("lake %s, MariaDB %s", got, want)
			}
			if tc.table != "no_key" && res.Parallel != tc.parallel {
				t.Errorf("ran with %d connections, want %d", res.Parallel, tc.parallel)
			}
			if res.Op != "replace" || (res.RemovedFiles == 0 && len(f.liveFiles(tc.table)) != int(res.Files)) {
				t.Errorf("op %s removed %d: a rerun must replace the previous snapshot", res.Op, res.RemovedFiles)
			}
		})
	}
}
