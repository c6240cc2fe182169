package lake_test

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// BenchmarkFileStorePutSmall puts 1 KiB objects, unconditionally, into 16
// partition folders of one table: the path of commit-sized objects and of
// extract's small files.
func BenchmarkFileStorePutSmall(b *testing.B) {
	s, err := lake.NewFileStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1024)
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprintf("tables/t/dt=%02d/f%06d.bin", i%16, i)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	start := cpuTime(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Put(ctx, keys[i%len(keys)], bytes.NewReader(data), int64(len(data)), lake.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU time (user and system) of the process: on a busy machine the
	// wall clock measures the neighbours.
	b.ReportMetric(float64((cpuTime(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
