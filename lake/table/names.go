package table

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
)

// Key prefixes of the lake layout (docs/architecture.md, "Lake layout").
const (
	tablesPrefix = "tables/"
	metaPrefix   = "_lakectl/"
	locksPrefix  = "_lakectl/locks/"
	statePrefix  = "_lakectl/state/"
)

// MaxNameLen bounds table names.
const MaxNameLen = 128

// ValidateName checks a table name: 1..128 characters of [a-z0-9_].
// A bad name is a usage error (exit 2).
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return input.Errorf("invalid table name %q: want 1 to %d characters of a-z, 0-9 and _", name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return input.Errorf("invalid table name %q: only lowercase a-z, 0-9 and _ are allowed", name)
		}
	}
	return nil
}

// validateJob checks a job or lock name: 1..128 characters of
// [A-Za-z0-9_.-], so it is a safe single key segment.
func validateJob(kind, name string) error {
	if name == "" || len(name) > MaxNameLen {
		return input.Errorf("invalid %s name %q: want 1 to %d characters of A-Z, a-z, 0-9, '_', '.' and '-'", kind, name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return input.Errorf("invalid %s name %q: only A-Z, a-z, 0-9, '_', '.' and '-' are allowed", kind, name)
		}
	}
	if name[0] == '.' {
		return input.Errorf("invalid %s name %q: must not start with '.'", kind, name)
	}
	return nil
}

// TablePrefix is the key prefix of a table's live files: "tables/<name>/".
func TablePrefix(name string) string { return tablesPrefix + name + "/" }

// metaDir is "_lakectl/tables/<name>/".
func metaDir(name string) string { return metaPrefix + "tables/" + name + "/" }

func stagingDir(table, txid string) string { return metaDir(table) + "staging/" + txid + "/" }
func markerKey(table, txid string) string  { return metaDir(table) + "txns/" + txid + ".json" }
func commitKey(table, txid string) string  { return metaDir(table) + "commits/" + txid + ".json" }
func lockKey(name string) string           { return locksPrefix + name + ".json" }
func stateKey(job string) string           { return statePrefix + job + ".json" }

// pendingKey marks that txid (on table) carries a new state for job; it lets
// LoadState find a committed state whose cache write did not happen yet.
func pendingKey(job, txid string) string { return statePrefix + job + ".pending/" + txid + ".json" }
func pendingDir(job string) string       { return statePrefix + job + ".pending/" }

// commitLockName is the lock held while a transaction that removes files
// checks for conflicts and creates its commit record.
func commitLockName(table string) string { return "commit." + table }

// txidLayout is the time part of a txid; it sorts lexically by time.
const txidLayout = "20060102T150405.000000Z"

// NewTxID returns a time-ordered unique transaction id:
// YYYYMMDDTHHMMSS.ffffffZ-<8 hex random>.
func NewTxID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format(txidLayout) + "-" + hex.EncodeToString(b[:])
}

// validTxID reports whether s has the form NewTxID returns.
func validTxID(s string) bool {
	ts, rnd, ok := strings.Cut(s, "Z-")
	if !ok || len(rnd) != 8 {
		return false
	}
	if _, err := hex.DecodeString(rnd); err != nil {
		return false
	}
	_, err := time.Parse(txidLayout, ts+"Z")
	return err == nil
}

// fileName is the name of the n-th data file of a transaction.
func fileName(txid string, n int) string { return fmt.Sprintf("part-%s-%05d.parquet", txid, n) }

// TxIDOfFile returns the txid in a lakectl data file's key
// (".../part-<txid>-<nnnnn>.parquet"), or "" for files of other tools.
func TxIDOfFile(key string) string {
	base := path.Base(key)
	rest, ok := strings.CutPrefix(base, "part-")
	if !ok {
		return ""
	}
	rest, ok = strings.CutSuffix(rest, ".parquet")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 || !validTxID(rest[:i]) {
		return ""
	}
	return rest[:i]
}
