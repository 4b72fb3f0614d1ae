package hello

import (
	"context"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
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
			resp, err := New(log.Logger(), nil).Handle(context.Background(), req)
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

func TestParseGroups(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"absent", nil, []string{}},
		{"empty string", "", []string{}},
		{"only spaces", "  \t ", []string{}},
		{"one group", "admin", []string{"admin"}},
		// The REST API Cognito user pools authorizer's form.
		{"AWS string form", "admin,staff", []string{"admin", "staff"}},
		{"AWS string form, three", "admin,staff,beta-testers", []string{"admin", "staff", "beta-testers"}},
		{"odd spacing", " admin ,  staff,\tops ", []string{"admin", "staff", "ops"}},
		{"empty names dropped", ",admin,,staff,", []string{"admin", "staff"}},
		{"space inside a name kept", "admin,beta testers", []string{"admin", "beta testers"}},
		{"punctuation kept", "team-a.b_c,ops/eu:1", []string{"team-a.b_c", "ops/eu:1"}},
		{"non-ASCII names", "équipe,管理者", []string{"équipe", "管理者"}},
		{"order kept", "zeta,alpha", []string{"zeta", "alpha"}},
		{"JSON array string", `["admin","staff"]`, []string{"admin", "staff"}},
		{"JSON array string, spaced", ` [ "admin" , " staff " ] `, []string{"admin", "staff"}},
		{"JSON array string, name with comma", `["a,b","c"]`, []string{"a,b", "c"}},
		{"JSON empty array string", `[]`, []string{}},
		{"bracketed comma list", "[admin, staff]", []string{"admin", "staff"}},
		{"bracketed single", "[admin]", []string{"admin"}},
		{"HTTP API space-separated form", "[admin staff]", []string{"admin", "staff"}},
		{"real array", []any{"admin", " staff ", "", nil, map[string]any{"x": 1}}, []string{"admin", "staff"}},
		{"real empty array", []any{}, []string{}},
		{"string slice", []string{"admin", "staff"}, []string{"admin", "staff"}},
		{"number", 7, []string{"7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseGroups(tt.in)
			if got == nil {
				t.Fatal("ParseGroups returned nil")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseGroups(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

// TestHelloGroups checks the groups field: a JSON array, never null.
func TestHelloGroups(t *testing.T) {
	tests := []struct {
		name   string
		groups any // nil: no cognito:groups claim
		want   string
	}{
		{"no groups claim", nil, `[]`},
		{"empty claim", "", `[]`},
		{"one group", "admin", `["admin"]`},
		{"several groups", "admin,staff", `["admin","staff"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log apigwtest.Log
			claims := map[string]any{"sub": "abc", "username": "abc", "scope": "api/read", "token_use": "access"}
			if tt.groups != nil {
				claims["cognito:groups"] = tt.groups
			}
			req := apigwtest.Request("/hello", nil, nil)
			req.RequestContext.Authorizer = map[string]any{"claims": claims}
			resp, err := New(log.Logger(), nil).Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, resp.Body)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("body is not JSON: %s", resp.Body)
			}
			if got := string(body["groups"]); got != tt.want {
				t.Errorf("groups = %s, want %s; body %s", got, tt.want, resp.Body)
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

// TestHelloHSTS: over https (API Gateway) the answer carries HSTS, on a
// loopback http run it does not.
func TestHelloHSTS(t *testing.T) {
	var log apigwtest.Log
	h := New(log.Logger(), nil)
	for name, tt := range map[string]struct {
		req  events.APIGatewayProxyRequest
		want bool
	}{
		"https": {apigwtest.Request("/hello", nil, nil), true},
		"local": {apigwtest.Local(apigwtest.Request("/hello", nil, nil), "localhost:3000"), false},
	} {
		resp, _ := h.Handle(context.Background(), tt.req)
		if got := resp.Headers["Strict-Transport-Security"] != ""; got != tt.want {
			t.Errorf("%s: Strict-Transport-Security %q, want it: %v", name, resp.Headers["Strict-Transport-Security"], tt.want)
		}
	}
}
