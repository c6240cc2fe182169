// Package progress is how long operations report how far they are, without
// knowing whether a bar, a periodic log line or nothing shows it.
package progress

// Reporter receives progress of one operation. Implementations are safe for
// concurrent use.
type Reporter interface {
	// SetTotal sets the expected total of rows (0 when unknown), for an ETA.
	SetTotal(rows int64)
	// Add counts rows and bytes done since the last call.
	Add(rows, bytes int64)
	// Done ends the report.
	Done()
}

// Nop returns a Reporter that shows nothing.
func Nop() Reporter { return nop{} }

type nop struct{}

func (nop) SetTotal(int64)   {}
func (nop) Add(int64, int64) {}
func (nop) Done()            {}

// OrNop returns r, or a Nop reporter when r is nil.
func OrNop(r Reporter) Reporter {
	if r == nil {
		return Nop()
	}
	return r
}
