// Command perf measures what a user waits for on each route, cold and
// warm, and what each function costs in size and start-up, against a
// floor, as issue #10 asks:
//
//	go run ./functions/internal/perf            # R = 40ms, 5 cold starts per route
//	go run ./functions/internal/perf -r 10ms -n 3 -size=false
//
// It builds the functions with the Makefile's release flags (for this
// machine to run them, and for linux/arm64 to weigh them), serves Secrets
// Manager (moto_server) and the local Cognito over TLS with a throwaway CA,
// each behind a loopback link that adds a round-trip time R (see link),
// and runs every route through the project's local Lambda Runtime API
// (functions/internal/lambdatest): each cold start is a fresh process whose
// first invocation is waiting for it, as on a Lambda cold start, then a few
// warm invocations follow back to back. It prints markdown tables: latency
// in R (median), connections opened per service, size and init against
// the floors in floor/.
//
// It lives under functions/ because lambdatest is internal to it; no
// function imports it (functions/deps_test.go).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	var o options
	flag.DurationVar(&o.RTT, "r", 40*time.Millisecond, "round-trip time R each link adds")
	flag.IntVar(&o.Cold, "n", 5, "cold starts per route")
	flag.IntVar(&o.Warm, "warm", 3, "warm invocations after each cold one")
	flag.IntVar(&o.Inits, "inits", 21, "process starts per function for the init time")
	flag.BoolVar(&o.Size, "size", true, "also build for linux/arm64 and report sizes")
	flag.StringVar(&o.Only, "only", "", "measure only the routes of this function (e.g. callback)")
	flag.BoolVar(&o.Verbose, "v", false, "print each cold start's function output to stderr")
	flag.StringVar(&o.Dir, "dir", "", "the repository (default: the module of the working directory)")
	flag.Parse()
	if o.Dir == "" {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			fmt.Fprintln(os.Stderr, "perf: run it inside the repository, or pass -dir")
			os.Exit(2)
		}
		o.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	}
	rep, err := run(o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
	rep.write(os.Stdout)
}

// options of one run.
type options struct {
	RTT        time.Duration
	Cold, Warm int
	Inits      int
	Size       bool
	Dir        string
	Only       string
	Verbose    bool
}

// tb stands in for testing.TB outside a test (lambdatest.TB): Fatal
// unwinds to run, cleanups run in reverse order when the scope ends.
type tb struct{ cleanups []func() }

type fatal struct{ msg string }

func (t *tb) Helper()                           {}
func (t *tb) Fatal(args ...any)                 { panic(fatal{fmt.Sprint(args...)}) }
func (t *tb) Fatalf(format string, args ...any) { panic(fatal{fmt.Sprintf(format, args...)}) }
func (t *tb) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }

func (t *tb) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}

// run builds, serves and measures; progress goes to log.
func run(o options, log io.Writer) (rep *report, err error) {
	if o.RTT <= 0 || o.Cold < 1 || o.Warm < 1 {
		return nil, fmt.Errorf("need -r > 0, -n >= 1, -warm >= 1")
	}
	t := &tb{}
	defer t.done()
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", f.msg)
		}
	}()
	dir, err := os.MkdirTemp("", "perf")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	fmt.Fprintln(log, "building...")
	b, err := buildAll(o, dir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "starting moto_server and the local Cognito...")
	s := startServices(t, dir, o.RTT)
	rep = &report{opts: o, sizes: b.sizes, init: map[string][]time.Duration{}}
	bn := &bench{s: s}
	for _, r := range routeList {
		if o.Only != "" && r.fn != o.Only {
			continue
		}
		fmt.Fprintf(log, "%s (%s): %d cold starts\n", r.name, r.fn, o.Cold)
		rep.rows = append(rep.rows, measure(t, o, bn, b.host[r.fn], r, rep, log))
	}
	if o.Inits > 0 {
		fmt.Fprintf(log, "init: %d process starts per function\n", o.Inits)
		rep.init = map[string][]time.Duration{}
		for _, fn := range sortedKeys(functionPkgs) {
			if o.Only != "" && fn != o.Only && fn != floorOf(o.Only) {
				continue
			}
			rep.init[fn] = inits(t, s, b.host[fn], fn, o.Inits)
		}
	}
	return rep, nil
}
