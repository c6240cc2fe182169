package redshift_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/redshift"
)

// login is what a client sent at startup.
type login struct{ user, password, database string }

// captureLogins is a PostgreSQL wire-protocol listener that asks for a
// cleartext password, records the login and refuses it.
func captureLogins(t *testing.T) (string, <-chan login) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan login, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				be := pgproto3.NewBackend(c, c)
				msg, err := be.ReceiveStartupMessage()
				if _, ok := msg.(*pgproto3.SSLRequest); ok {
					_, _ = c.Write([]byte("N"))
					msg, err = be.ReceiveStartupMessage()
				}
				sm, ok := msg.(*pgproto3.StartupMessage)
				if err != nil || !ok {
					return
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				_ = be.Flush()
				_ = be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
				m, err := be.Receive()
				pm, ok := m.(*pgproto3.PasswordMessage)
				if err != nil || !ok {
					return
				}
				got <- login{sm.Parameters["user"], pm.Password, sm.Parameters["database"]}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "password authentication failed (test listener)"})
				_ = be.Flush()
			}()
		}
	}()
	return ln.Addr().String(), got
}

// iam=true logs in with the temporary user and password the control plane
// issues (GetClusterCredentials / serverless GetCredentials), not with
// anything in the URL.
func TestIAMLogsInWithTemporaryCredentials(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.Env(t)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.xlplus", Nodes: 2, DBUsers: []string{"etl"}})
	fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl-wg", RPU: 32})
	addr, logins := captureLogins(t)
	for _, tc := range []struct{ query, wantUser string }{
		{"cluster=analytics", "IAM:etl"},
		{"workgroup=etl-wg", "IAMR:lakectl"},
	} {
		u, _ := url.Parse("redshift://etl@" + addr + "/dev?iam=true&load_method=insert&sslmode=disable&" + tc.query)
		wh, err := redshift.Open(context.Background(), u, redshift.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = wh.Query(context.Background(), "SELECT 1", nil, func(func(...any) error) error { return nil })
		issued := fake.Issued()
		l := <-logins
		last := issued[len(issued)-1]
		if l.user != tc.wantUser || l.user != last.User || l.password != last.Password || l.database != "dev" {
			t.Fatalf("%s: logged in as %+v, issued %+v", tc.query, l, last)
		}
		if err == nil || strings.Contains(err.Error(), last.Password) {
			t.Fatalf("%s: error %v (must not show the temporary password)", tc.query, err)
		}
	}
	if fake.Count("GetClusterCredentials") != 1 || fake.Count("GetCredentials") != 1 {
		t.Fatalf("calls %v", fake.Calls())
	}
}

func TestIAMNeedsAUserAndAClusterOrWorkgroup(t *testing.T) {
	for _, raw := range []string{
		"redshift://etl@127.0.0.1:1/dev?iam=true&load_method=insert",
		"redshift://127.0.0.1:1/dev?iam=true&load_method=insert&cluster=analytics",
	} {
		u, _ := url.Parse(raw)
		if _, err := redshift.Open(context.Background(), u, redshift.Options{}); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}

// A database user the cluster does not know fails with the control
// plane's message, naming the user and the cluster.
func TestIAMUnknownUserIsOneClearError(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.Env(t)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.xlplus", Nodes: 2})
	addr, _ := captureLogins(t)
	u, _ := url.Parse("redshift://nobody@" + addr + "/dev?iam=true&load_method=insert&sslmode=disable&cluster=analytics")
	wh, err := redshift.Open(context.Background(), u, redshift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = wh.Query(context.Background(), "SELECT 1", nil, func(func(...any) error) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "GetClusterCredentials for user nobody on cluster analytics") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	// AWS answered: the remedy is the user or cluster, not the network.
	if errors.Is(err, driver.ErrUnreachable) {
		t.Fatalf("a refused credential request reads as an unreachable warehouse: %v", err)
	}
}
