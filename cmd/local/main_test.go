package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown flag", []string{"-nope"}, []string{"flag provided but not defined: -nope"}},
		{"bad secret source", []string{"-secret", "vault"}, []string{`-secret "vault": want memory or aws`}},
		{"public address", []string{"-addr", "0.0.0.0:3000"}, []string{"-addr", "must be a loopback address"}},
		{"address without port", []string{"-cognito-addr", "localhost"}, []string{"-cognito-addr", "want host:port"}},
		{"weak password and bad user, together", []string{"-password", "short", "-user", "demo"}, []string{"-password: Password not long enough", "-user \"demo\": must be an email address"}},
		{"stray argument", []string{"now"}, []string{"unexpected arguments"}},
		{"remote pool without its secret", []string{"-addr", "localhost:0"}, []string{"-secret aws"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "remote pool without its secret" {
				t.Setenv("COGNITO_DOMAIN", "https://x.auth.us-east-1.amazoncognito.com")
			}
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit code = %d, want 2; stderr:\n%s", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

var apiURL = regexp.MustCompile(`Open (http://\S+)/login`)

// TestInterruptStopsCleanly runs the built command, waits for its banner,
// checks /login answers, and presses Ctrl-C.
func TestInterruptStopsCleanly(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "local")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "localhost:0", "-cognito-addr", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var banner strings.Builder
	sc := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	m := apiURL.FindStringSubmatch(banner.String())
	if m == nil || !strings.Contains(banner.String(), "password: Demo-Passw0rd!") {
		t.Fatalf("banner lacks the URL or the demo credentials:\n%s\nstderr: %s", banner.String(), stderr.String())
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(m[1] + "/login")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /login: %v %v", err, resp)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after Ctrl-C: %v; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(string(rest), "stopped") {
		t.Errorf("no 'stopped' after Ctrl-C: %q", rest)
	}
	if _, err := hc.Get(m[1] + "/login"); err == nil {
		t.Error("API still answering after shutdown")
	}
}
