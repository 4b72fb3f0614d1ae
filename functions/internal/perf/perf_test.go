package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestQuickRun runs the whole tool with a tiny R and one cold start per
// route: every route answers as it must through the links, and the
// connections counted are those each function must open. It asserts no
// timing.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function")
	}
	var log bytes.Buffer
	rep, err := run(options{RTT: 2 * time.Millisecond, Cold: 1, Warm: 1, Dir: "../../.."}, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if len(rep.rows) != len(routeList) {
		t.Fatalf("%d rows, want %d", len(rep.rows), len(routeList))
	}
	// At least, from process start to the cold answer: the secret for every
	// sign-in function, the token endpoint for a grant, the key set for a
	// verification; nothing for hello.
	want := map[string]counts{
		"login": {sm: 1}, "callback": {sm: 1, domain: 1, issuer: 1}, "refresh": {sm: 1, domain: 1, issuer: 1},
		"logout": {sm: 1, domain: 1}, "hello": {}, "floor-secret": {sm: 1}, "floor-hello": {},
	}
	for _, r := range rep.rows {
		if len(r.cold) != 1 || len(r.warm) != 1 || r.cold[0] <= 0 || r.warm[0] <= 0 {
			t.Errorf("%s: cold %v, warm %v: want one positive duration each", r.route.name, r.cold, r.warm)
		}
		w, got := want[r.route.fn], r.coldConns[0]
		if got.sm < w.sm || got.domain < w.domain || got.issuer < w.issuer || (w == counts{}) && got != w {
			t.Errorf("%s: cold start opened %+v connections, want at least %+v", r.route.name, got, w)
		}
	}
	for fn := range functionPkgs {
		if d := rep.init[fn]; len(d) != 1 || d[0] <= 0 {
			t.Errorf("init of %s: %v", fn, d)
		}
	}
	var out bytes.Buffer
	rep.write(&out)
	for _, r := range routeList {
		if !strings.Contains(out.String(), "| "+r.name+" | "+r.fn+" |") {
			t.Errorf("the table has no row for %s:\n%s", r.name, out.String())
		}
	}
}

// TestReleaseFlags: the tool builds with the Makefile's flags.
func TestReleaseFlags(t *testing.T) {
	mk, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	want := "go build " + strings.Join(releaseFlags[:len(releaseFlags)-1], " ") + ` "` + releaseFlags[len(releaseFlags)-1] + `"`
	if !strings.Contains(string(mk), want) {
		t.Errorf("the Makefile's GOBUILD does not contain %q: update releaseFlags", want)
	}
}

// TestLinkPassesBytesAndCounts: the link forwards both ways intact, passes
// on a half close, and counts connections.
func TestLinkPassesBytesAndCounts(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	l, err := newLink("echo", echo.Addr().String(), time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	payload := bytes.Repeat([]byte("0123456789"), 20000) // several chunks
	for i := range 2 {
		c, err := net.Dial("tcp", l.Addr())
		if err != nil {
			t.Fatal(err)
		}
		go func() { _, _ = c.Write(payload); _ = c.(*net.TCPConn).CloseWrite() }()
		got, err := io.ReadAll(c) // ends only if the half close went through and back
		c.Close()
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("connection %d: got %d bytes (%v), want the %d sent", i, len(got), err, len(payload))
		}
	}
	if n := l.Conns(); n != 2 {
		t.Errorf("Conns() = %d, want 2", n)
	}
}
