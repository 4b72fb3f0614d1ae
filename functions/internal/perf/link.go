package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// link is a loopback TCP proxy that adds a round-trip time to one service,
// as a network path would. The model, per connection:
//
//   - every chunk of bytes read from one side is written to the other R/2
//     after it was read (a one-way delay of R/2 each way, unlimited
//     bandwidth), so a request and its answer cost 1 R;
//   - the TCP handshake costs 1 R: nothing the client sends is delivered
//     before R/2 + R after the connection was accepted, as if the client
//     could only send once its SYN had been answered;
//   - TLS runs end to end through it (the service behind terminates TLS),
//     so TLS 1.3's handshake costs its own 1 R, and a request on a new
//     HTTPS connection 3 R in all.
//
// It does not model loss, bandwidth, slow start or the server's own time.
type link struct {
	name   string
	ln     net.Listener
	target string // host:port of the service
	rtt    time.Duration
	conns  atomic.Int64 // connections accepted
	wg     sync.WaitGroup
}

// newLink listens on a free loopback port and forwards to target.
func newLink(name, target string, rtt time.Duration) (*link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &link{name: name, ln: ln, target: target, rtt: rtt}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// Addr is the proxy's host:port, the one clients dial.
func (l *link) Addr() string { return l.ln.Addr().String() }

// Conns is how many connections clients opened so far.
func (l *link) Conns() int64 { return l.conns.Load() }

// Close stops accepting; the connections in progress end with their peers.
func (l *link) Close() { l.ln.Close(); l.wg.Wait() }

func (l *link) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.conns.Add(1)
		go l.handle(c.(*net.TCPConn))
	}
}

func (l *link) handle(client *net.TCPConn) {
	accepted := time.Now()
	up, err := net.Dial("tcp", l.target)
	if err != nil {
		client.Close()
		return
	}
	server := up.(*net.TCPConn)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); delay(server, client, accepted.Add(l.rtt), l.rtt/2) }()
	go func() { defer wg.Done(); delay(client, server, accepted, l.rtt/2) }()
	wg.Wait()
	client.Close()
	server.Close()
}

// delay copies src to dst, each chunk written oneWay after it was read (or
// after notBefore, if later). src's end of stream is passed on the same
// way, as a half close.
func delay(dst, src *net.TCPConn, notBefore time.Time, oneWay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range q {
			time.Sleep(time.Until(c.at))
			if c.b == nil {
				_ = dst.CloseWrite()
				return
			}
			if _, err := dst.Write(c.b); err != nil {
				_ = src.Close() // unblocks the reader below
				return
			}
		}
	}()
	for {
		buf := make([]byte, 32<<10)
		n, err := src.Read(buf)
		at := time.Now()
		if at.Before(notBefore) {
			at = notBefore
		}
		at = at.Add(oneWay)
		if n > 0 {
			select {
			case q <- chunk{b: buf[:n], at: at}:
			case <-done:
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				select {
				case q <- chunk{at: at}:
				case <-done:
				}
			}
			close(q)
			<-done
			if !errors.Is(err, io.EOF) {
				_ = dst.Close()
			}
			return
		}
	}
}
