package api

import (
	"encoding/base64"
	"encoding/binary"
	"sort"
	"time"
)

// jobState is an endpoint's incremental state, kept by lake/table in the
// commit record of the data it describes (job "api.<source>.<endpoint>").
type jobState struct {
	// Watermarks: per account, every window before this time is stored.
	Watermarks map[string]time.Time `json:"watermarks"`
	// Columns: the inferred columns and types so far, so later runs keep
	// the order and only widen (empty when the spec declares fields).
	Columns []stateColumn `json:"columns,omitempty"`
	// Seen: fingerprints of the record versions stored, per window day
	// ("" for endpoints without windows), packed base64 little-endian
	// uint64s; kept as far back as a later run can re-fetch, so that
	// re-fetched unchanged records are not stored twice.
	Seen map[string]string `json:"seen,omitempty"`
	// SeenFrom: Seen is complete for window days at or after this one
	// (YYYY-MM-DD); older days re-fetched are read back from raw/.
	SeenFrom string `json:"seen_from,omitempty"`
}

type stateColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func jobName(source, endpoint string) string { return "api." + source + "." + endpoint }

// seenSet is the decoded Seen: membership plus the day of each print.
type seenSet struct {
	days map[string][]uint64
	all  map[uint64]struct{}
}

func decodeSeen(m map[string]string) *seenSet {
	s := &seenSet{days: map[string][]uint64{}, all: map[uint64]struct{}{}}
	for day, enc := range m {
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			continue // a damaged cache only costs duplicates being re-checked
		}
		for i := 0; i+8 <= len(b); i += 8 {
			fp := binary.LittleEndian.Uint64(b[i:])
			s.days[day] = append(s.days[day], fp)
			s.all[fp] = struct{}{}
		}
	}
	return s
}

// add records fp under day; false when it was already seen.
func (s *seenSet) add(day string, fp uint64) bool {
	if _, ok := s.all[fp]; ok {
		return false
	}
	s.all[fp] = struct{}{}
	s.days[day] = append(s.days[day], fp)
	return true
}

// encode drops days before keepFrom (YYYY-MM-DD; "" keeps all).
func (s *seenSet) encode(keepFrom string) map[string]string {
	out := map[string]string{}
	days := make([]string, 0, len(s.days))
	for d := range s.days {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		if d != "" && keepFrom != "" && d < keepFrom {
			continue
		}
		fps := s.days[d]
		b := make([]byte, 8*len(fps))
		for i, fp := range fps {
			binary.LittleEndian.PutUint64(b[8*i:], fp)
		}
		out[d] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}
