// Package lambdatest runs a built Lambda function binary (a provided.al2023
// bootstrap) against a local implementation of the Lambda Runtime API, so
// tests can drive the real main package with API Gateway events, as the
// Lambda service would.
//
// Only what a function uses is implemented: /runtime/invocation/next, the
// response and error posts, and /runtime/init/error.
package lambdatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const prefix = "/2018-06-01/runtime"

type result struct {
	body  []byte
	isErr bool
	at    time.Time // when it arrived
}

// TB is the part of testing.TB a Runtime uses; *testing.T and *testing.B
// satisfy it, and so can a command that drives the binaries outside a test
// (the performance tool, functions/internal/perf).
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Runtime is one function's Runtime API endpoint and process.
type Runtime struct {
	t       TB
	srv     *httptest.Server
	next    chan invocation
	mu      sync.Mutex
	results map[string]chan result
	cmd     *exec.Cmd
	output  bytes.Buffer // the function's stdout and stderr (its logs)
	seq     int
	// waiting counts the function's /invocation/next requests not yet
	// answered: it is between invocations.
	waiting atomic.Int32
	// started is when the process was started; firstNext when it first
	// asked for an invocation, its init done (zero until then).
	started   time.Time
	firstNext atomic.Pointer[time.Time]
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	// written is closed once the invocation was written to the function,
	// at *writtenAt.
	written   chan struct{}
	writtenAt *time.Time
}

// Build compiles the main package at pkg (e.g. "./functions/login",
// relative to dir) with the release tags into outDir/name, for this
// machine, and returns the binary's path.
func Build(dir, pkg, outDir, name string) (string, error) {
	bin := outDir + "/" + name
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}

// Start runs the binary with env (plus AWS_LAMBDA_RUNTIME_API and the
// variables Lambda sets) until the test ends.
func Start(t TB, bin string, env map[string]string) *Runtime {
	t.Helper()
	r := &Runtime{t: t, next: make(chan invocation), results: map[string]chan result{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/invocation/next", r.serveNext)
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/response", func(w http.ResponseWriter, req *http.Request) { r.serveResult(w, req, false) })
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/error", func(w http.ResponseWriter, req *http.Request) { r.serveResult(w, req, true) })
	mux.HandleFunc("POST "+prefix+"/init/error", func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintf(&r.output, "init error: %s\n", b)
		w.WriteHeader(http.StatusAccepted)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)

	r.cmd = exec.Command(bin)
	r.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(r.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=test-function", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "_HANDLER=bootstrap",
	}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Stdout, r.cmd.Stderr = &syncWriter{mu: &r.mu, w: &r.output}, &syncWriter{mu: &r.mu, w: &r.output}
	r.started = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	})
	return r
}

func (r *Runtime) serveNext(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	r.firstNext.CompareAndSwap(nil, &now)
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	select {
	case inv := <-r.next:
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(inv.deadline.UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test-function")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
		w.Header().Set("Content-Type", "application/json")
		*inv.writtenAt = time.Now()
		_, _ = w.Write(inv.payload)
		http.NewResponseController(w).Flush()
		close(inv.written)
	case <-req.Context().Done():
	}
}

func (r *Runtime) serveResult(w http.ResponseWriter, req *http.Request, isErr bool) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	ch := r.results[req.PathValue("id")]
	r.mu.Unlock()
	if ch != nil {
		ch <- result{body: b, isErr: isErr, at: time.Now()}
	}
	w.WriteHeader(http.StatusAccepted)
}

// Invoke sends one API Gateway event with a Lambda deadline of timeout
// and returns the function's response. A function error fails the test:
// API Gateway would answer it with a bare 502.
func (r *Runtime) Invoke(event events.APIGatewayProxyRequest, timeout time.Duration) events.APIGatewayProxyResponse {
	r.t.Helper()
	resp, _ := r.invoke(event, timeout, nil)
	return resp
}

// InvokeTimed is Invoke that also returns how long the function took: from
// the moment the invocation was written to its /invocation/next request
// to the moment its response arrived. Called right after Start, it is a
// cold start's invocation as Lambda delivers it: waiting, and handed to
// the function as soon as its init is done.
func (r *Runtime) InvokeTimed(event events.APIGatewayProxyRequest, timeout time.Duration) (events.APIGatewayProxyResponse, time.Duration) {
	r.t.Helper()
	return r.invoke(event, timeout, nil)
}

// Init is how long the function took to start: from starting its process
// to its first /invocation/next request (zero before that request).
func (r *Runtime) Init() time.Duration {
	if at := r.firstNext.Load(); at != nil {
		return at.Sub(r.started)
	}
	return 0
}

// invoke is InvokeTimed; written, when not nil, runs once the invocation
// has been written to the function's pending /invocation/next request.
func (r *Runtime) invoke(event events.APIGatewayProxyRequest, timeout time.Duration, written func()) (events.APIGatewayProxyResponse, time.Duration) {
	r.t.Helper()
	res, took := r.send(event, timeout, written)
	if res.isErr {
		r.t.Fatalf("function error (API Gateway would answer 502): %s\noutput:\n%s", res.body, r.Output())
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(res.body, &resp); err != nil {
		r.t.Fatalf("response is not an APIGatewayProxyResponse: %v: %s", err, res.body)
	}
	return resp, took
}

// send hands the function one event with a Lambda deadline of timeout and
// returns its result and how long it took from being written to the
// function to its answer; written as for invoke.
func (r *Runtime) send(event any, timeout time.Duration, written func()) (result, time.Duration) {
	r.t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.seq++
	id := fmt.Sprintf("req-%d", r.seq)
	ch := make(chan result, 1)
	r.results[id] = ch
	r.mu.Unlock()
	wait := time.After(timeout + 10*time.Second)
	inv := invocation{id: id, payload: payload, deadline: time.Now().Add(timeout),
		written: make(chan struct{}), writtenAt: new(time.Time)}
	select {
	case r.next <- inv:
	case <-wait:
		r.t.Fatalf("the function never asked for an invocation; its output:\n%s", r.Output())
	}
	if written != nil {
		select {
		case <-inv.written:
		case <-wait:
			r.t.Fatalf("the invocation was never written to the function")
		}
		written()
	}
	select {
	case res := <-ch:
		<-inv.written // written before the function could answer
		return res, res.at.Sub(*inv.writtenAt)
	case <-wait:
		r.t.Fatalf("no answer within %v; output:\n%s", timeout, r.Output())
	}
	return result{isErr: true}, 0
}

// InvokeJSON sends an event that is not an API Gateway request (the
// rotation function's, from Secrets Manager) with a Lambda deadline of
// timeout, and returns what the function answered: its result, or with
// funcErr true the error it returned (Secrets Manager counts the step as
// failed). Unlike Invoke it does not fail the test on a function error.
func (r *Runtime) InvokeJSON(event any, timeout time.Duration) (answer []byte, funcErr bool) {
	r.t.Helper()
	res, _ := r.send(event, timeout, nil)
	return res.body, res.isErr
}

// Exit waits up to d for the process to exit and returns its error (nil
// for exit status 0); it fails the test if the process keeps running.
func (r *Runtime) Exit(d time.Duration) error {
	r.t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		r.t.Fatalf("the function is still running after %v; output:\n%s", d, r.Output())
		return nil
	}
}

// Output is what the function wrote to stdout and stderr so far.
func (r *Runtime) Output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.output.String()
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
