package cognito

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// connCounter is a token and revocation endpoint that counts the
// connections opened to it.
func connCounter(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"at","token_type":"Bearer","refresh_token":"rt","expires_in":3600}`))
	})
	mux.HandleFunc("POST /oauth2/revoke", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestIdleConnectionsAreNotReusedForGrants: Exchange, Refresh and Revoke
// reuse a pooled connection that was idle for less than MaxIdleReuse, and
// open a new one after a longer idle gap (the gap a Lambda freeze makes),
// rather than write a single-use grant to a connection the server may
// have closed.
func TestIdleConnectionsAreNotReusedForGrants(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *Client) error{
		"Exchange": func(c *Client) error {
			_, err := c.Exchange(ctx, clientID, clientSecret, redirectURI, "code", "verifier")
			return err
		},
		"Refresh": func(c *Client) error {
			_, err := c.Refresh(ctx, clientID, clientSecret, "rt")
			return err
		},
		"Revoke": func(c *Client) error { return c.Revoke(ctx, clientID, clientSecret, "rt") },
	}
	const gap = 50 * time.Millisecond
	for name, call := range calls {
		for _, tc := range []struct {
			name      string
			maxIdle   time.Duration
			sleep     time.Duration
			wantConns int32
		}{
			{"within the threshold", time.Hour, gap, 1},
			{"back to back", 0, 0, 1}, // the default threshold
			{"idle longer than the threshold", gap / 5, gap, 3},
			{"check turned off", -1, gap, 1},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				srv, conns := connCounter(t)
				c := New(Options{Domain: srv.URL, MaxIdleReuse: tc.maxIdle})
				for i := range 3 {
					if i > 0 {
						time.Sleep(tc.sleep)
					}
					if err := call(c); err != nil {
						t.Fatalf("call %d: %v", i+1, err)
					}
				}
				if got := conns.Load(); got != tc.wantConns {
					t.Errorf("3 calls %v apart opened %d connections, want %d", tc.sleep, got, tc.wantConns)
				}
			})
		}
	}
}

func TestMaxIdleReuseDefault(t *testing.T) {
	if c := New(Options{}); c.maxIdle != MaxIdleReuse {
		t.Errorf("default threshold %v, want %v", c.maxIdle, MaxIdleReuse)
	}
	if c := New(Options{MaxIdleReuse: 3 * time.Second}); c.maxIdle != 3*time.Second {
		t.Errorf("threshold %v, want 3s", c.maxIdle)
	}
}

// TestNilHTTPClientHasItsOwnTransport: closing the client's idle
// connections must not close those of http.DefaultTransport's other users.
func TestNilHTTPClientHasItsOwnTransport(t *testing.T) {
	c := New(Options{})
	if c.http.Transport == nil || c.http.Transport == http.DefaultTransport {
		t.Errorf("transport %v shares http.DefaultTransport", c.http.Transport)
	}
}
