package netx_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/testenv"
)

func TestSilentServerFailsAfterIOTimeout(t *testing.T) {
	addr := testenv.SilentListener(t)
	to := netx.Timeouts{Connect: time.Second, IO: 300 * time.Millisecond}
	c, err := to.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	te, ok := netx.AsTimeout(err)
	if !ok || te.Phase != netx.PhaseIO || te.Endpoint != addr {
		t.Fatalf("err = %v, want an io TimeoutError naming %s", err, addr)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %s", el)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%v is not os.ErrDeadlineExceeded", err)
	}
}

func TestCallerDeadlineStillApplies(t *testing.T) {
	addr := testenv.SilentListener(t)
	c, err := netx.Timeouts{IO: time.Hour}.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	if _, ok := netx.AsTimeout(err); ok || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's own deadline error", err)
	}
}

func TestHTTPClientBoundsSilentServer(t *testing.T) {
	addr := testenv.SilentListener(t)
	cl := netx.Timeouts{Connect: time.Second, IO: 300 * time.Millisecond}.HTTPClient()
	start := time.Now()
	resp, err := cl.Get("http://" + addr + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error")
	}
	if _, ok := netx.AsTimeout(err); !ok {
		t.Fatalf("err = %v, want a TimeoutError", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
}

func TestConnectTimeoutIsTyped(t *testing.T) {
	// 10.255.255.1 is unroutable here: the SYN goes nowhere.
	_, err := netx.Timeouts{Connect: 200 * time.Millisecond}.DialContext(context.Background(), "tcp", "10.255.255.1:9")
	if err == nil {
		t.Skip("the unroutable address answered")
	}
	var ne net.Error
	if te, ok := netx.AsTimeout(err); ok {
		if te.Phase != netx.PhaseConnect {
			t.Fatalf("phase %s", te.Phase)
		}
	} else if !errors.As(err, &ne) {
		t.Skipf("no route here: %v", err)
	}
}

func TestIdleReader(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	r := netx.IdleReader(pr, 100*time.Millisecond, "pipe")
	_, err := r.Read(make([]byte, 1))
	if _, ok := netx.AsTimeout(err); !ok {
		t.Fatalf("err = %v", err)
	}
	_ = r.Close()
	ok := netx.IdleReader(io.NopCloser(http.NoBody), time.Second, "x")
	if _, err := ok.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("err = %v", err)
	}
}
