package redact

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestPatternsMaskSecrets(t *testing.T) {
	cases := []struct{ in, secret string }{
		{"dial mysql://etl:hunter2@db:3306/shop: refused", "hunter2"},
		{"Error 1045: Access denied: etl:hunter2@tcp(127.0.0.1:3306)/shop", "hunter2"},
		{"postgres://u:p4ssw0rd@h:5432/db?sslmode=disable", "p4ssw0rd"},
		{"redshift://admin:Sup3rS3cret@cluster:5439/dw?iam_role=arn", "Sup3rS3cret"},
		{"GET https://api.partner.com/v1/tx?api_key=KEY123456&page=2", "KEY123456"},
		{"https://api.partner.com/v1/tx?token=tok_abcdef", "tok_abcdef"},
		{"Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig"},
		{"authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"},
		{"X-Api-Key: abcdef123456", "abcdef123456"},
		{`{"password":"pw-in-json-1"}`, "pw-in-json-1"},
		{`token: "tok-quoted-9"`, "tok-quoted-9"},
		{"--dsn root:pw=42x@tcp(h:3306)/db password=hunter22", "hunter22"},
		{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		{"X-Amz-Signature=0123456789abcdef&X-Amz-Credential=AKIA", "0123456789abcdef"},
		{"GET https://maps.example.com/geo?q=x&key=AIzaKey123", "AIzaKey123"},
		{"https://maps.example.com/geo?key=AIzaKey123", "AIzaKey123"},
	}
	for _, c := range cases {
		got := Patterns(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("Patterns(%q) = %q still holds the secret", c.in, got)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("Patterns(%q) = %q has no mask", c.in, got)
		}
	}
}

func TestPatternsKeepOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"extracted 1200 rows into tables/orders in 2.1s",
		"s3://bucket/lake/tables/orders/part-1.parquet",
		"mysql://etl@db:3306/shop", // no password
		"table has no primary key: reading it as one stream",
		"Error 1045 (28000): Access denied for user 'etl'@'10.0.0.1' (using password: YES)",
		"reading footer of tables/t/part-1.parquet",
		`invalid partition "bad": want KEY=VALUE, or KEY=VALUE/KEY2=VALUE2 for nested partitions`,
		`level=INFO msg="lake doctor" kind=unreadable_record key=_lakectl/locks/u.json`,
	} {
		if got := Patterns(s); got != s {
			t.Errorf("Patterns(%q) = %q, want unchanged", s, got)
		}
	}
}

func TestRegisteredSecretsAreMaskedAnywhere(t *testing.T) {
	reg := &Secrets{}
	ctx := WithSecrets(context.Background(), reg)
	Register(ctx, "tok-42-very-secret", "abc") // "abc" is too short to mask
	got := String(ctx, "partner said: invalid token tok-42-very-secret (abc)")
	if strings.Contains(got, "tok-42-very-secret") || !strings.Contains(got, "(abc)") {
		t.Fatalf("got %q", got)
	}
	if FromContext(ctx) != reg {
		t.Fatal("registry not carried by the context")
	}
}

func TestURLMasksPasswordAndSecretParams(t *testing.T) {
	u, _ := url.Parse("https://user:pw123@api.example.com/tx?apikey=K1&from=2026-01-01&signature=S")
	got := URL(u)
	for _, s := range []string{"pw123", "K1", "=S"} {
		if strings.Contains(got, s) {
			t.Errorf("URL() = %q holds %q", got, s)
		}
	}
	if !strings.Contains(got, "from=2026-01-01") {
		t.Errorf("URL() = %q lost an ordinary parameter", got)
	}
}
