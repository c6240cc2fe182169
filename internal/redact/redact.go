// Package redact keeps secrets out of logs, errors and output: passwords
// in DSNs and URLs, Authorization headers, API keys, tokens and AWS
// secrets. Every path that prints something outside lakectl's control
// (errors from drivers, URLs, headers) goes through it.
package redact

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "xxxxx"

var (
	// scheme://user:password@host
	urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*):([^@\s/]*)@`)
	// go-sql-driver form user:password@tcp(host:port)/db
	driverDSN = regexp.MustCompile(`(^|[\s"'=])([^:@\s/"']+):([^@\s"']*)@(tcp|unix)\(`)
	// key=value pairs whose key names a secret, in queries, DSNs and messages
	secretParam = regexp.MustCompile(`(?i)((?:^|[?&;\s,"'{(])(?:password|passwd|pwd|secret|token|access_token|refresh_token|api_key|apikey|api-key|client_secret|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|aws_secret_access_key|aws_session_token)\s*=\s*["']?)([^&\s"',;})]+)`)
	// key=value only as a URL query parameter: a bare "key=" is prose
	// ("want KEY=VALUE") or a log attribute naming a lake key.
	keyParam = regexp.MustCompile(`(?i)([?&;]key\s*=\s*["']?)([^&\s"',;})]+)`)
	// "key": value (JSON), or key: "value" (a quoted value). A bare
	// "key: word" is prose ("no primary key: reading it", MySQL's "(using
	// password: YES)"), never masked.
	secretField = regexp.MustCompile(`(?i)((?:["'](?:password|passwd|pwd|secret|token|access_token|refresh_token|api_key|apikey|api-key|key|client_secret|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|aws_secret_access_key|aws_session_token)["']\s*:\s*["']?)|(?:(?:^|[\s,{])(?:password|passwd|pwd|secret|token|access_token|refresh_token|api_key|apikey|api-key|key|client_secret|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|aws_secret_access_key|aws_session_token)\s*:\s*["']))([^&\s"',;}]+)`)
	// Authorization: Bearer xyz / Basic xyz, X-Api-Key: xyz
	authHeader = regexp.MustCompile(`(?i)((?:authorization|proxy-authorization|x-api-key|api-key|x-auth-token)\s*[:=]\s*(?:(?:bearer|basic|token|digest)\s+)?)([^\s,;"']+)`)
	// AWS secret access keys in free text (40 base64 chars after a key id)
	awsSecret = regexp.MustCompile(`(?i)(aws_secret_access_key\s*[=:]\s*)(\S+)`)
)

// String removes every secret pattern lakectl knows from s, plus the
// secrets registered in ctx (nil ctx: patterns only).
func String(ctx context.Context, s string) string {
	s = Patterns(s)
	if ctx != nil {
		if reg, ok := ctx.Value(ctxKey{}).(*Secrets); ok {
			s = reg.Apply(s)
		}
	}
	return s
}

// Patterns removes the secrets that can be recognised by their shape.
func Patterns(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	s = driverDSN.ReplaceAllString(s, "${1}${2}:"+Mask+"@${4}(")
	s = authHeader.ReplaceAllString(s, "${1}"+Mask)
	s = awsSecret.ReplaceAllString(s, "${1}"+Mask)
	s = secretParam.ReplaceAllString(s, "${1}"+Mask)
	s = keyParam.ReplaceAllString(s, "${1}"+Mask)
	s = secretField.ReplaceAllString(s, "${1}"+Mask)
	return s
}

// Userinfo masks only passwords inside URLs and DSNs. Results (stdout)
// use it: a result's field named "key" or "token_env" is data, not a
// secret, and the secrets a result could hold are registered ones or DSN
// passwords.
func Userinfo(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	return driverDSN.ReplaceAllString(s, "${1}${2}:"+Mask+"@${4}(")
}

// URL returns u with its password and secret-looking query values masked;
// safe to log or to store in raw-zone metadata.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), Mask)
		}
	}
	q := c.Query()
	changed := false
	for k := range q {
		if IsSecretName(k) {
			q.Set(k, Mask)
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// IsSecretName reports whether a header, parameter or variable name names
// a secret (Authorization, api_key, X-Amz-Signature, DB_PASSWORD, ...).
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "secret", "token", "authorization", "apikey", "api_key", "api-key", "signature", "credential", "session", "cookie"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return n == "key" || n == "pwd" || n == "sig" || strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "-key")
}

// Secrets is a set of literal secret values learned at run time (a
// password from a DSN, a token from an environment variable), removed from
// everything printed. Safe for concurrent use.
type Secrets struct {
	mu   sync.RWMutex
	vals []string
}

// Add registers secret values; values shorter than 4 bytes are ignored as
// they would mask ordinary text.
func (r *Secrets) Add(vals ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vals {
		if len(v) >= 4 {
			r.vals = append(r.vals, v, url.QueryEscape(v))
		}
	}
	// Longest first, so a secret containing another is masked whole.
	sort.Slice(r.vals, func(i, j int) bool { return len(r.vals[i]) > len(r.vals[j]) })
}

// Apply masks every registered secret in s.
func (r *Secrets) Apply(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.vals {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

type ctxKey struct{}

// WithSecrets returns a context that carries r; Register and String use it.
func WithSecrets(ctx context.Context, r *Secrets) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// Register adds secret values to the registry carried by ctx, if any.
func Register(ctx context.Context, vals ...string) {
	if reg, ok := ctx.Value(ctxKey{}).(*Secrets); ok {
		reg.Add(vals...)
	}
}

// FromContext returns the registry carried by ctx, or nil.
func FromContext(ctx context.Context) *Secrets {
	reg, _ := ctx.Value(ctxKey{}).(*Secrets)
	return reg
}
