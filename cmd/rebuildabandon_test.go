package cmd

import (
	"testing"

	"github.com/lakectl/lakectl/internal/iostreams"
)

func TestNewCmdRebuildAbandonParsesTheRun(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := NewFactory(io)
	var got *rebuildAbandonOptions
	c := newCmdRebuildAbandon(f, func(o *rebuildAbandonOptions) error { got = o; return nil })
	c.SetArgs([]string{"20261201T030046Z-495ebb9a"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.RunID != "20261201T030046Z-495ebb9a" || got.f != f {
		t.Fatalf("options %+v", got)
	}
	c = newCmdRebuildAbandon(f, func(*rebuildAbandonOptions) error { t.Fatal("ran without a run id"); return nil })
	c.SetArgs(nil)
	c.SilenceUsage, c.SilenceErrors = true, true
	if err := c.Execute(); err == nil {
		t.Fatal("no RUN accepted")
	}
}
