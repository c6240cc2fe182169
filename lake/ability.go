package lake

// A store's optional abilities are small interfaces (Syncer, ListerFrom,
// RequestCounter, LocalPather), found with As through the wrappers around
// it, as restic's AsBackend does: never by parsing URL() or asserting a
// concrete type.

// Wrapper is a store that wraps another (the retry wrapper); As looks
// through it.
type Wrapper interface {
	Unwrap() Store
}

// As returns the first store of s's chain, s itself first and then each
// wrapped store, that is a T: As[LocalPather](s), As[Syncer](s).
func As[T any](s Store) (T, bool) {
	for s != nil {
		if t, ok := s.(T); ok {
			return t, true
		}
		w, ok := s.(Wrapper)
		if !ok {
			break
		}
		s = w.Unwrap()
	}
	var zero T
	return zero, false
}

// LocalPather is implemented by stores whose objects are files on this
// machine (a local folder): readers that take a path (DuckDB, the quality
// scanner) read them in place instead of downloading a copy.
type LocalPather interface {
	// LocalPath returns the path of key's file, which may not exist; the
	// empty key is the store's folder.
	LocalPath(key string) string
}
