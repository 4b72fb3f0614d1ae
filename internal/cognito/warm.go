package cognito

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"
)

// Prefetch fetches the key set now, if no fetch has been tried yet, so
// that the first verification after a cold start finds the keys there, or
// joins the fetch already under way. It is bounded by ctx for the caller
// (the fetch itself by its own timeout, as for a verification). A failed
// prefetch counts as a failed fetch: the next one is tried after 5 s.
func (k *KeySet) Prefetch(ctx context.Context) error {
	k.mu.Lock()
	tried := !k.lastAttempt.IsZero()
	k.mu.Unlock()
	if tried {
		return nil
	}
	_, err := k.keysFor(ctx, "")
	return err
}

// Preconnect opens a connection to the token endpoint's host and leaves it
// idle in the client's pool, so that the first grant after a cold start
// does not wait for the TCP and TLS handshakes. Meant for start-up, when
// the pool is empty.
//
// It sends no request. net/http dials for a request in the background,
// detached from the request's cancellation, and pools the connection when
// the request has given up ("a future request may be able to make use of
// the connection", net/http's getConn); so the request Preconnect starts
// is cancelled as soon as its dial has begun (before a connection exists,
// so it cannot be written), and Preconnect waits for the dial's TLS
// handshake (for an http endpoint, its TCP connection) to end, or for
// ctx. The dial itself is bounded by the transport's timeouts, and
// abandoned by CloseIdleConnections (a grant that finds the pool stale).
//
// It does not weaken MaxIdleReuse: the connection counts as used when its
// dial began, so a grant more than MaxIdleReuse later closes it and opens a
// fresh one: after Lambda froze the environment once init was done, or in
// the middle of the handshake (a handshake can finish after the thaw from
// bytes the server sent before it, on a connection the server has since
// closed).
func (c *Client) Preconnect(ctx context.Context) error {
	start := time.Now()
	tlsEndpoint := strings.HasPrefix(c.domain, "https://")
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan error, 1)
	report := func(err error) {
		select {
		case ready <- err:
		default:
		}
	}
	trace := &httptrace.ClientTrace{
		// In the dial, which has its own context by then: the request
		// gives up, and only the dial goes on.
		ConnectStart: func(string, string) { cancel() },
		ConnectDone: func(_, _ string, err error) {
			if !tlsEndpoint {
				report(err)
			}
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) { report(err) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodGet, c.domain+"/", nil)
	if err != nil {
		return fmt.Errorf("preconnect: %w", err)
	}
	resp, err := c.http.Do(req)
	switch {
	case err == nil:
		resp.Body.Close() // not expected: the request was cancelled before it had a connection
	case rctx.Err() == nil:
		// It failed before its dial began (an address that does not
		// resolve): no handshake will report.
		return fmt.Errorf("preconnect: %w", err)
	}
	select {
	case err := <-ready:
		if err != nil {
			return fmt.Errorf("preconnect: %w", err)
		}
	case <-ctx.Done():
		return fmt.Errorf("preconnect: %w", ctx.Err())
	}
	c.usedAt(start)
	return nil
}
