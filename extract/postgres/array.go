package postgres

import (
	"fmt"
	"unicode/utf8"
)

// elemKind is how an array element's text becomes JSON.
type elemKind uint8

const (
	elemString elemKind = iota // JSON string
	elemNumber                 // JSON number (NaN, Infinity: JSON strings)
	elemBool                   // true / false
	elemJSON                   // the element is JSON already
	elemBox                    // JSON string; the array delimiter is ';'
)

func elemOf(typ string) elemKind {
	switch typ {
	case "int2", "int4", "int8", "oid", "float4", "float8", "numeric":
		return elemNumber
	case "bool":
		return elemBool
	case "json", "jsonb":
		return elemJSON
	case "box":
		return elemBox
	}
	return elemString
}

// arrayJSON appends the JSON form of a PostgreSQL array literal
// ({1,2,NULL}, {{"a b",c},{d,NULL}}, [0:1]={x,y}) to dst: nested JSON
// arrays, NULL as null. Lower bounds other than 1 are dropped.
func arrayJSON(dst, b []byte, el elemKind) ([]byte, error) {
	if len(b) > 0 && b[0] == '[' { // dimension decoration
		for i, c := range b {
			if c == '=' {
				b = b[i+1:]
				break
			}
		}
	}
	delim := byte(',')
	if el == elemBox {
		delim = ';'
	}
	p := arrayParser{b: b, el: el, delim: delim, out: dst}
	if err := p.array(); err != nil {
		return nil, fmt.Errorf("array %q: %w", b, err)
	}
	if p.i != len(b) {
		return nil, fmt.Errorf("array %q: trailing text", b)
	}
	return p.out, nil
}

type arrayParser struct {
	b     []byte
	i     int
	el    elemKind
	delim byte
	out   []byte
	tmp   []byte
}

func (p *arrayParser) array() error {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return fmt.Errorf("want '{' at %d", p.i)
	}
	p.i++
	p.out = append(p.out, '[')
	first := true
	for {
		if p.i >= len(p.b) {
			return fmt.Errorf("unterminated")
		}
		if p.b[p.i] == '}' {
			p.i++
			p.out = append(p.out, ']')
			return nil
		}
		if !first {
			if p.b[p.i] != p.delim {
				return fmt.Errorf("want %q at %d", p.delim, p.i)
			}
			p.i++
			p.out = append(p.out, ',')
		}
		first = false
		if p.i < len(p.b) && p.b[p.i] == '{' {
			if err := p.array(); err != nil {
				return err
			}
			continue
		}
		if err := p.element(); err != nil {
			return err
		}
	}
}

func (p *arrayParser) element() error {
	p.tmp = p.tmp[:0]
	if p.i < len(p.b) && p.b[p.i] == '"' {
		p.i++
		for {
			if p.i >= len(p.b) {
				return fmt.Errorf("unterminated quote")
			}
			c := p.b[p.i]
			p.i++
			if c == '"' {
				break
			}
			if c == '\\' && p.i < len(p.b) {
				c = p.b[p.i]
				p.i++
			}
			p.tmp = append(p.tmp, c)
		}
		p.emit(false)
		return nil
	}
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != p.delim && p.b[p.i] != '}' {
		p.i++
	}
	p.tmp = append(p.tmp, p.b[start:p.i]...)
	p.emit(len(p.tmp) == 4 && (string(p.tmp) == "NULL" || string(p.tmp) == "null"))
	return nil
}

func (p *arrayParser) emit(null bool) {
	switch {
	case null:
		p.out = append(p.out, "null"...)
	case p.el == elemJSON:
		p.out = append(p.out, p.tmp...)
	case p.el == elemBool:
		if len(p.tmp) > 0 && p.tmp[0] == 't' {
			p.out = append(p.out, "true"...)
		} else {
			p.out = append(p.out, "false"...)
		}
	case p.el == elemNumber && isJSONNumber(p.tmp):
		p.out = append(p.out, p.tmp...)
	default:
		p.out = appendJSONString(p.out, p.tmp)
	}
}

// isJSONNumber is true for PostgreSQL's number text that JSON accepts
// (not NaN or Infinity).
func isJSONNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '-' && c != '.' && c != 'e' && c != 'E' && c != '+' {
			return false
		}
	}
	return true
}

func appendJSONString(dst, s []byte) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return append(dst, '"')
}
