package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// ParseJSON decodes one JSON document into the values encoding/json's
// Decoder gives with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil), with the same unescaping (invalid UTF-8 and
// lone surrogates become U+FFFD) and the same grammar, in one pass over
// the bytes. It is several times faster than encoding/json's interface
// decoding, which goes byte by byte through a scanner state machine and
// copies the input; decoding is most of the per-record cost of an
// extraction. Anything after the value but white space is an error.
func ParseJSON(b []byte) (any, error) {
	return parseWhole(b, false)
}

// ParseShared is ParseJSON with the strings and numbers that have no
// escapes made slices of b rather than copies (see Stream.Shared): b must
// never change afterwards, and holding any value holds all of b.
func ParseShared(b []byte) (any, error) {
	return parseWhole(b, true)
}

func parseWhole(b []byte, shared bool) (any, error) {
	p := jsonParser{b: b, keys: make(map[string]string, 16)}
	if shared && len(b) > 0 {
		p.shared = unsafe.String(unsafe.SliceData(b), len(b))
	}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.b) {
		return nil, ErrTrailing
	}
	return v, nil
}

// ErrTrailing: the body holds more than the first JSON value.
var ErrTrailing = errors.New("body holds more than one JSON value")

// ParseNext decodes the JSON value that starts at b[from:] after white
// space, for streams of values (JSON lines, objects concatenated without
// separators). It returns the value and the offset just past it; at the
// end of b (white space only) it returns io.EOF.
func ParseNext(b []byte, from int) (any, int, error) {
	var s Stream
	return s.Next(b, from)
}

// Stream decodes a stream of JSON values as ParseNext does, sharing the
// strings of object keys between its values: records repeat their keys,
// and a key seen before costs a map lookup, not an allocation.
type Stream struct {
	keys map[string]string
	// Shared: strings and numbers without escapes are slices of b, not
	// copies (an allocation each, saved). b must then never change after
	// Next, and holding any value holds all of b.
	Shared bool
}

// Next is ParseNext, with the stream's keys.
func (s *Stream) Next(b []byte, from int) (any, int, error) {
	if s.keys == nil {
		s.keys = make(map[string]string, 16)
	}
	p := jsonParser{b: b, i: from, keys: s.keys}
	if s.Shared && len(b) > 0 {
		p.shared = unsafe.String(unsafe.SliceData(b), len(b))
	}
	p.skipSpace()
	if p.i >= len(p.b) {
		return nil, p.i, io.EOF
	}
	v, err := p.value(0)
	return v, p.i, err
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type jsonParser struct {
	b    []byte
	i    int
	keys map[string]string // object keys seen, to share their strings
	// shared is b as a string, when values may be slices of it.
	shared string
}

// text is b[start:end] as a string: a slice of shared, else a copy.
func (p *jsonParser) text(start, end int) string {
	if p.shared != "" {
		return p.shared[start:end]
	}
	return string(p.b[start:end])
}

// maxSharedKeys bounds a parser's shared keys, for objects whose keys
// are data.
const maxSharedKeys = 1024

func (p *jsonParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
}

func (p *jsonParser) unexpected(what string) error {
	if p.i >= len(p.b) {
		return p.errorf("unexpected end of JSON input")
	}
	return p.errorf("invalid character %q %s", p.b[p.i], what)
}

// value parses the value at p.i (white space already skipped).
func (p *jsonParser) value(depth int) (any, error) {
	if p.i >= len(p.b) {
		return nil, p.unexpected("")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.unexpected("looking for beginning of value")
}

func (p *jsonParser) literal(lit string) error {
	for j := 0; j < len(lit); j++ {
		if p.i >= len(p.b) || p.b[p.i] != lit[j] {
			return p.unexpected("in literal " + lit)
		}
		p.i++
	}
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // {
	// Records are small objects: one group up front, no growth.
	m := make(map[string]any, 8)
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.unexpected("looking for beginning of object key string")
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.unexpected("after object key")
		}
		p.i++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		// The same steps as array's, kept inline: a shared function costs a
		// call per member, and decoding is most of an extraction's cost.
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, p.unexpected("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return m, nil
		default:
			return nil, p.unexpected("after object key:value pair")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // [
	a := []any{}
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, p.unexpected("")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.unexpected("after array element")
		}
	}
}

// number checks the JSON number grammar and keeps the text.
func (p *jsonParser) number() (any, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return nil, p.unexpected("in numeric literal")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.unexpected("after decimal point in numeric literal")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.unexpected("in exponent of numeric literal")
		}
	}
	return json.Number(p.text(start, p.i)), nil
}

// key parses an object key at p.i (the opening quote): a plain key seen
// before is the string of its first occurrence.
func (p *jsonParser) key() (string, error) {
	end := p.i + 1
	for end < len(p.b) {
		c := p.b[end]
		if c == '"' {
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return p.str()
		}
		end++
	}
	if end >= len(p.b) || p.keys == nil {
		return p.str()
	}
	raw := p.b[p.i+1 : end]
	if k, ok := p.keys[string(raw)]; ok { // no allocation for the lookup
		p.i = end + 1
		return k, nil
	}
	k := string(raw)
	if len(p.keys) < maxSharedKeys {
		p.keys[k] = k
	}
	p.i = end + 1
	return k, nil
}

// str parses a string at p.i (the opening quote). The slow path stays in
// the same function: splitting it costs a call per escaped string.
func (p *jsonParser) str() (string, error) {
	p.i++ // "
	start := p.i
	// Fast path: no escapes, ASCII or valid UTF-8, no control characters.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.text(start, p.i)
			p.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.i++
	}
	buf := make([]byte, p.i-start, p.i-start+16)
	copy(buf, p.b[start:p.i])
	for {
		if p.i >= len(p.b) {
			return "", p.unexpected("")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.unexpected("in string literal")
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", p.unexpected("")
			}
			e := p.b[p.i]
			p.i++
			if d := jsonEscapes[e]; d != 0 {
				buf = append(buf, d)
				continue
			}
			if e != 'u' {
				p.i--
				return "", p.unexpected("in string escape code")
			}
			r, err := p.unicodeEscape()
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, p.b[p.i:p.i+size]...)
			}
			p.i += size
		}
	}
}

// jsonEscapes is what each one-letter escape stands for (0: none).
var jsonEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unicodeEscape reads the four hex digits of a \u escape at p.i: a
// surrogate pair makes one rune; a lone surrogate is U+FFFD.
func (p *jsonParser) unicodeEscape() (rune, error) {
	r, ok := p.hex4()
	if !ok {
		return 0, p.unexpected("in \\u hexadecimal character escape")
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if p.i+1 >= len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
		return utf8.RuneError, nil
	}
	save := p.i
	p.i += 2
	lo, ok := p.hex4()
	if !ok {
		return 0, p.unexpected("in \\u hexadecimal character escape")
	}
	if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
		return dec, nil
	}
	p.i = save // the next escape stands on its own
	return utf8.RuneError, nil
}

// hex4 reads four hex digits at p.i.
func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	p.i += 4
	return r, true
}
