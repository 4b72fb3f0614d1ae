package hello

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
)

func TestHello(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]any
		status int
		want   string
	}{
		{"access token claims", map[string]any{"sub": "abc", "username": "abc", "email": "", "scope": "openid api/read", "token_use": "access", "client_id": "cid", "exp": "1700000000"}, 200, "Hello, abc!"},
		{"id token claims", map[string]any{"sub": "abc", "cognito:username": "abc", "email": "ada@example.com", "token_use": "id"}, 200, "Hello, ada@example.com!"},
		{"no claims", nil, 401, ""},
		{"claims without sub", map[string]any{"username": "x"}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log apigwtest.Log
			req := apigwtest.Request("/hello", nil, nil)
			if tt.claims != nil {
				req.RequestContext.Authorizer = map[string]any{"claims": tt.claims}
			}
			resp, err := New(log.Logger()).Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body is not JSON: %s", resp.Body)
			}
			if tt.status == 200 {
				if body["message"] != tt.want || body["sub"] != "abc" {
					t.Errorf("body = %v, want message %q and sub abc", body, tt.want)
				}
			} else if body["error"] != "unauthorized" {
				t.Errorf("error = %v, want unauthorized", body["error"])
			}
			if resp.Headers["Cache-Control"] != "no-store" {
				t.Error("no Cache-Control: no-store")
			}
		})
	}
}

// TestHelloDoesNotImportTheSDK keeps the protected sample route small: it
// trusts API Gateway's authorizer and needs no AWS SDK.
func TestHelloDoesNotImportTheSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/example/cognito-sam-go/functions/hello").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "internal/hello") {
		t.Fatalf("go list output does not list internal/hello:\n%s", out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "github.com/aws/aws-sdk-go-v2") {
			t.Errorf("functions/hello depends on %s", line)
		}
	}
}
