package table

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// owner identifies the process that holds a lock or runs a transaction.
type owner struct {
	Host     string `json:"host"`
	PID      int    `json:"pid"`
	PIDStart string `json:"pid_start,omitempty"` // /proc/<pid>/stat start time, guards against pid reuse
}

// self describes the running process.
func self() owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return owner{Host: host, PID: pid, PIDStart: procStart(pid)}
}

func (o owner) String() string {
	return "pid " + strconv.Itoa(o.PID) + " on " + o.Host
}

// procStart returns field 22 of /proc/<pid>/stat (start time in clock ticks
// since boot), or "" where /proc is not available.
func procStart(pid int) string {
	// fields[0] is field 3 (state); field 22 is fields[19].
	if fields := statFields(pid); len(fields) >= 20 {
		return fields[19]
	}
	return ""
}

// statFields returns the fields of /proc/<pid>/stat from field 3 (the
// state) on; none where /proc is not available.
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// processGone reports whether o is certainly dead: it ran on this host and
// its pid no longer exists (or now belongs to another process). A process
// on another host is never known to be gone.
func (o owner) processGone(me owner) bool {
	if o.Host == "" || o.Host != me.Host || o.PID <= 0 {
		return false
	}
	if o.PID == me.PID {
		return o.PIDStart != "" && me.PIDStart != "" && o.PIDStart != me.PIDStart
	}
	err := syscall.Kill(o.PID, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return true // ESRCH: no such process
	}
	if o.PIDStart != "" {
		if cur := procStart(o.PID); cur != "" && cur != o.PIDStart {
			return true // the pid was reused
		}
		if st := procState(o.PID); st == "Z" {
			return true // a zombie waiting for its parent: dead all the same
		}
	}
	return false
}

// procState returns field 3 of /proc/<pid>/stat ("R", "S", "Z", ...).
func procState(pid int) string {
	if fields := statFields(pid); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

// dead reports whether the owner of a record last refreshed at refreshed
// with timeout staleAfter can be taken over: its heartbeat is stale, or it
// ran on this host and its process is gone.
func dead(o owner, refreshed time.Time, staleAfter time.Duration, now time.Time, me owner) bool {
	if now.Sub(refreshed) > staleAfter {
		return true
	}
	return o.processGone(me)
}
