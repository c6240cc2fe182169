package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/lakectl/lakectl/internal/redact"
)

// credential is an account's resolved authentication. Its values are
// registered with redact as soon as they are read.
type credential struct {
	kind     string // none | bearer | header | query | basic
	header   string
	prefix   string
	param    string
	token    string
	username string
	password string
	echo     *regexp.Regexp // query: the credential's parameter echoed in text (a Link header)
}

// resolveCredential reads the account's auth variables from the
// environment. A missing or empty variable is an error naming the
// variable (never its value).
func resolveCredential(ctx context.Context, a *Auth, acc Account, lookup func(string) (string, bool)) (credential, error) {
	if a == nil || a.Type == "none" {
		return credential{kind: "none"}, nil
	}
	read := func(field, tmpl string) (string, error) {
		name, err := render(tmpl, tmplData{Account: accountData(acc)})
		if err != nil {
			return "", fmt.Errorf("auth.%s: %v", field, err)
		}
		v, ok := lookup(name)
		if !ok || v == "" {
			return "", fmt.Errorf("account %s: environment variable %s (auth.%s) is not set; export it with the account's credential", acc.ID, name, field)
		}
		redact.Register(ctx, v)
		return v, nil
	}
	c := credential{kind: a.Type, header: a.Header, prefix: a.Prefix, param: a.Param}
	if c.kind == "query" && c.param != "" {
		c.echo = regexp.MustCompile(`([?&;]` + regexp.QuoteMeta(url.QueryEscape(c.param)) + `=)[^&\s>;,"']*`)
	}
	var err error
	switch a.Type {
	case "bearer", "header", "query":
		c.token, err = read("token_env", a.TokenEnv)
	case "basic":
		if c.username, err = read("username_env", a.UsernameEnv); err == nil {
			c.password, err = read("password_env", a.PasswordEnv)
			redact.Register(ctx, basicValue(c.username, c.password))
		}
	}
	return c, err
}

func basicValue(user, pw string) string {
	r := http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pw)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// apply authenticates req; query credentials are set on req.URL.
func (c credential) apply(req *http.Request) {
	switch c.kind {
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case "header":
		req.Header.Set(c.header, c.prefix+c.token)
	case "query":
		q := req.URL.Query()
		q.Set(c.param, c.token)
		req.URL.RawQuery = q.Encode()
	case "basic":
		req.SetBasicAuth(c.username, c.password)
	}
}

// safeURL is u as it may be logged or stored: the query credential and
// any secret-looking parameter masked, registered secrets removed.
// safeText redacts s (a header value, which may echo the request URL):
// the query credential's parameter wherever it appears, then every known
// secret and secret-shaped text.
func (c credential) safeText(ctx context.Context, s string) string {
	if c.echo != nil {
		s = c.echo.ReplaceAllString(s, "${1}"+redact.Mask)
	}
	return redact.String(ctx, s)
}

func (c credential) safeURL(ctx context.Context, u *url.URL) string {
	cp := *u
	if c.kind == "query" {
		q := cp.Query()
		if q.Has(c.param) {
			q.Set(c.param, redact.Mask)
			cp.RawQuery = q.Encode()
		}
	}
	return redact.String(ctx, redact.URL(&cp))
}
