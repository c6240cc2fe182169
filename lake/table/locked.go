package table

// IsLocked reports whether err says a live run holds a lock (what
// AcquireLock returns then), for callers outside cmd that wait and retry.
func IsLocked(err error) bool { return isLocked(err) }
