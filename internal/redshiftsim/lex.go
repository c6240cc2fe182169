package redshiftsim

import (
	"strings"
	"unicode"
)

// token is one lexeme of a statement: a word (keyword or bare
// identifier), a quoted identifier, a string literal (value unescaped), or
// one punctuation character.
type token struct {
	kind byte // 'w' word, 'q' quoted identifier, 's' string, 'p' punctuation
	text string
}

// split cuts a query string into statements at semicolons outside quotes
// and comments. Literals follow Redshift: a backslash escapes the next
// character (https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html).
func split(sql string) []string {
	var out []string
	start := 0
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'':
			i = skipString(sql, i)
		case c == '"':
			for i++; i < len(sql) && !(sql[i] == '"' && (i+1 >= len(sql) || sql[i+1] != '"')); i++ {
				if sql[i] == '"' {
					i++
				}
			}
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				i = len(sql)
			} else {
				i += end + 3
			}
		case c == ';':
			if s := strings.TrimSpace(sql[start:i]); s != "" && !onlyComments(s) {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(sql[start:]); s != "" && !onlyComments(s) {
		out = append(out, s)
	}
	return out
}

// skipString returns the index of the closing quote of the literal that
// opens at i.
func skipString(sql string, i int) int {
	for i++; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			i++
		case '\'':
			if i+1 < len(sql) && sql[i+1] == '\'' {
				i++
				continue
			}
			return i
		}
	}
	return len(sql)
}

func onlyComments(s string) bool {
	toks := lex(s)
	return len(toks) == 0
}

// lex tokenizes one statement (comments dropped).
func lex(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
		case c == '\'':
			end := skipString(s, i)
			out = append(out, token{'s', unescape(s[i+1 : min(end, len(s))])})
			i = end + 1
		case c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{'q', b.String()})
			i = j + 1
		case c == '_' || c == '$' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] == '.' && j > i && !isQuote(s, j+1) || s[j] >= 0x80 || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			out = append(out, token{'w', s[i:j]})
			i = j
		default:
			out = append(out, token{'p', string(c)})
			i++
		}
	}
	return out
}

func isQuote(s string, i int) bool { return i < len(s) && s[i] == '"' }

// unescape reads the body of a Redshift literal: ” is a quote and a
// backslash escapes the next character (\n, \t and \\ as in C).
func unescape(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\'' && i+1 < len(body) && body[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\\' && i+1 < len(body):
			i++
			switch body[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(body[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// keyword reports whether t is the word kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == 'w' && strings.EqualFold(t.text, kw) }

// firstWords returns the statement's first n words, upper-cased.
func firstWords(toks []token, n int) []string {
	var out []string
	for _, t := range toks {
		if len(out) == n || t.kind != 'w' {
			break
		}
		out = append(out, strings.ToUpper(t.text))
	}
	return out
}
