//go:build unix

package lambdatest

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Freeze waits until the function is between invocations (waiting on
// /invocation/next) and stops its process with SIGSTOP, as Lambda freezes
// an execution environment between invocations. On Linux it returns once
// the kernel reports the process stopped.
func (r *Runtime) Freeze() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.waiting.Load() == 0 {
		if time.Now().After(deadline) {
			r.t.Fatalf("the function did not ask for its next invocation; output:\n%s", r.Output())
		}
		time.Sleep(time.Millisecond)
	}
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		r.t.Fatalf("SIGSTOP: %v", err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", r.cmd.Process.Pid)
	for {
		b, err := os.ReadFile(stat)
		if err != nil {
			time.Sleep(10 * time.Millisecond) // no procfs: give the signal time
			return
		}
		// pid (comm) state ...; comm may hold spaces and parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't') {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the function's process did not stop: %s", b)
		}
		time.Sleep(time.Millisecond)
	}
}

// Thaw resumes a frozen function with SIGCONT.
func (r *Runtime) Thaw() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		r.t.Fatalf("SIGCONT: %v", err)
	}
}

// InvokeThawing is Invoke for a frozen function, in Lambda's order: the
// invocation is written to the function's pending /invocation/next
// request while it is frozen, and then it is thawed, so that what
// happened to its connections meanwhile and the invocation reach it at
// the same moment.
func (r *Runtime) InvokeThawing(event events.APIGatewayProxyRequest, timeout time.Duration) events.APIGatewayProxyResponse {
	r.t.Helper()
	resp, _ := r.invoke(event, timeout, r.Thaw)
	return resp
}
