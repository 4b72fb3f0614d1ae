package cognito

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
)

// tokenServer answers the token endpoint and counts connections and
// requests.
type tokenServer struct {
	*httptest.Server
	conns, requests atomic.Int32
	mu              sync.Mutex
	paths           []string
	first           string   // remote address of the first connection
	from            []string // of each request
}

func newTokenServer(t *testing.T, useTLS bool) *tokenServer {
	s := &tokenServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.paths = append(s.paths, r.Method+" "+r.URL.Path)
		s.from = append(s.from, r.RemoteAddr)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":3600}`))
	}))
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew && s.conns.Add(1) == 1 {
			s.mu.Lock()
			s.first = c.RemoteAddr().String()
			s.mu.Unlock()
		}
	}
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// TestPreconnectLandsAConnectionTheGrantUses: after Preconnect, the first
// grant goes out on the connection it opened, and Preconnect itself sent
// nothing; over https and http.
func TestPreconnectLandsAConnectionTheGrantUses(t *testing.T) {
	for _, useTLS := range []bool{true, false} {
		srv := newTokenServer(t, useTLS)
		c := New(Options{Domain: srv.URL, HTTPClient: srv.Client()})
		if err := c.Preconnect(context.Background()); err != nil {
			t.Fatalf("tls %v: Preconnect: %v", useTLS, err)
		}
		waitFor(t, func() bool { return srv.conns.Load() == 1 })
		if n := srv.requests.Load(); n != 0 {
			t.Errorf("tls %v: Preconnect sent %d requests (%v)", useTLS, n, srv.paths)
		}
		if _, err := c.Exchange(context.Background(), "id", "secret", "https://app/callback", "code", "verifier"); err != nil {
			t.Fatalf("tls %v: Exchange: %v", useTLS, err)
		}
		// The grant went out on the pre-opened connection, the first. (It
		// may be handed over the moment that one is pooled, while the
		// grant's own dial is under way: that dial then opens a second
		// connection, so connections are not counted.)
		srv.mu.Lock()
		if len(srv.from) != 1 || srv.from[0] != srv.first {
			t.Errorf("tls %v: the grant came from %v, not the pre-opened connection %s", useTLS, srv.from, srv.first)
		}
		srv.mu.Unlock()
		if got := srv.paths; len(got) != 1 || got[0] != "POST /oauth2/token" {
			t.Errorf("tls %v: requests %v, want the grant only", useTLS, got)
		}
	}
}

// TestPreconnectKeepsTheIdleRule: a grant that comes more than
// MaxIdleReuse after the pre-opened connection's handshake (the
// environment was frozen after init) does not use it.
func TestPreconnectKeepsTheIdleRule(t *testing.T) {
	srv := newTokenServer(t, true)
	c := New(Options{Domain: srv.URL, HTTPClient: srv.Client(), MaxIdleReuse: 20 * time.Millisecond})
	if err := c.Preconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // longer than MaxIdleReuse: not a timing assertion
	if _, err := c.Exchange(context.Background(), "id", "secret", "https://app/callback", "code", "verifier"); err != nil {
		t.Fatal(err)
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: the grant must not reuse a connection idle over MaxIdleReuse", n)
	}
}

// slowAccept delays each accepted connection, so that its TLS handshake
// ends that long after the client dialled: as when Lambda froze the
// environment in the middle of the handshake.
type slowAccept struct {
	net.Listener
	delay time.Duration
}

func (l slowAccept) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		time.Sleep(l.delay)
	}
	return c, err
}

// TestPreconnectCountsFromTheDial: a handshake that ends more than
// MaxIdleReuse after its dial began does not make the connection fresh: the
// grant right after it opens another.
func TestPreconnectCountsFromTheDial(t *testing.T) {
	srv := &tokenServer{}
	srv.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":3600}`))
	}))
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			srv.conns.Add(1)
		}
	}
	srv.Listener = slowAccept{srv.Listener, 60 * time.Millisecond}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := New(Options{Domain: srv.URL, HTTPClient: srv.Client(), MaxIdleReuse: 20 * time.Millisecond})
	if err := c.Preconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exchange(context.Background(), "id", "secret", "https://app/callback", "code", "verifier"); err != nil {
		t.Fatal(err)
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: a connection whose dial began over MaxIdleReuse ago is not reused", n)
	}
}

// TestPreconnectFailsBeforeTheDial: an address that cannot be dialled at
// all is reported at once, with its cause, not after the warm-up's timeout.
func TestPreconnectFailsBeforeTheDial(t *testing.T) {
	c := New(Options{Domain: "http://127.0.0.1:99999"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Preconnect(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Errorf("Preconnect to a bad port = %v (context %v), want the dial's own error", err, ctx.Err())
	}
}

func TestPreconnectFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := New(Options{Domain: "http://" + addr})
	if err := c.Preconnect(context.Background()); err == nil {
		t.Error("Preconnect to a closed port succeeded")
	}
}

// TestKeySetPrefetch: the prefetch fetches once, and a verification after
// it finds the keys without fetching again.
func TestKeySetPrefetch(t *testing.T) {
	cog := cognitotest.New(t)
	c := New(Options{Domain: cog.URL, Issuer: cog.Issuer})
	for range 2 {
		if err := c.Keys().Prefetch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.VerifyIDToken(context.Background(), "client-id", cog.IDToken("client-id", "n", nil), "", "n"); err != nil {
		t.Fatalf("verify after prefetch: %v", err)
	}
	if n := cog.JWKSHits.Load(); n != 1 {
		t.Errorf("%d key-set fetches, want 1", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFirstGrantOfAYoungClientReusesItsPool: before any grant, a client
// with a transport of its own reuses what its pool holds (here the key
// set's connection, on the same host) as long as the client is younger
// than MaxIdleReuse, as nothing in its pool can be older; an older one
// opens a fresh connection.
func TestFirstGrantOfAYoungClientReusesItsPool(t *testing.T) {
	for _, tt := range []struct {
		maxIdle    time.Duration
		wantReused bool
	}{{time.Hour, true}, {time.Millisecond, false}} {
		cog := cognitotest.New(t)
		cog.HandleToken(cog.Tokens("client-id", ""))
		c := New(Options{Domain: cog.URL, Issuer: cog.Issuer, MaxIdleReuse: tt.maxIdle})
		if err := c.Keys().Prefetch(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // older than the short MaxIdleReuse: not a timing assertion
		var reused bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		})
		if _, err := c.Exchange(ctx, "client-id", "secret", "https://app/callback", "code", "verifier"); err != nil {
			t.Fatal(err)
		}
		if reused != tt.wantReused {
			t.Errorf("MaxIdleReuse %v: the first grant reused a pooled connection: %v, want %v", tt.maxIdle, reused, tt.wantReused)
		}
	}
}
