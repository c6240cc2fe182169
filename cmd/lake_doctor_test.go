package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

func TestLakeDoctorParsesOptions(t *testing.T) {
	for _, c := range []struct {
		args   []string
		table  string
		repair bool
	}{
		{nil, "", false},
		{[]string{"orders"}, "orders", false},
		{[]string{"orders", "--repair"}, "orders", true},
		{[]string{"--repair"}, "", true},
	} {
		io, _, _, _ := iostreams.Test()
		var got *lakeDoctorOptions
		cmd := newCmdLakeDoctor(NewFactory(io), func(o *lakeDoctorOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got.Table != c.table || got.Repair != c.repair {
			t.Errorf("%v: got table %q repair %v", c.args, got.Table, got.Repair)
		}
	}
}

// A garbage marker fails the next command with a line naming the doctor;
// lake ls marks the table; doctor exits 1 until --repair; then the table
// is whole.
func TestLakeDoctorCommandRepairsGarbageMarker(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(t.Context(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	marker := filepath.Join(dir, "_lakectl/tables/orders/txns/20260101T000000.000000Z-0badf00d.json")
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := []string{"--lake", dir}
	code, out, _ := run(t, append(lk, "lake", "ls")...)
	if code != 0 || !strings.Contains(out, "lake doctor --repair") {
		t.Fatalf("lake ls: exit %d %q, want the table marked", code, out)
	}
	code, _, errOut := run(t, append(lk, "lake", "compact", "orders")...)
	if code != 1 || !strings.Contains(errOut, "lakectl lake doctor --repair") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("compact over garbage marker: exit %d %q", code, errOut)
	}
	if code, _, _ := run(t, append(lk, "lake", "doctor")...); code != 1 {
		t.Fatalf("doctor without --repair: exit %d, want 1", code)
	}
	code, out, errOut = run(t, append(lk, "-o", "json", "lake", "doctor", "orders", "--repair")...)
	var rep table.DoctorReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Repaired != 1 {
		t.Fatalf("doctor --repair: exit %d %s %s", code, out, errOut)
	}
	// The record's path is logged as it is: a lake key is no secret.
	if !strings.Contains(errOut, "0badf00d.json") || strings.Contains(errOut, "xxxxx") {
		t.Errorf("doctor's log masks the record it names: %q", errOut)
	}
	code, out, _ = run(t, append(lk, "-o", "json", "lake", "ls")...)
	var ls LakeListing
	if code != 0 || json.Unmarshal([]byte(out), &ls) != nil || ls.Tables[0].Rows != 10 || ls.Tables[0].UnfinishedCommits != 0 {
		t.Fatalf("lake ls after repair: exit %d %s", code, out)
	}
}
