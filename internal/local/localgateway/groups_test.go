package localgateway

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/example/cognito-sam-go/internal/hello"
)

// TestArrayClaimsReachTheHandlerFlattened checks that a token's
// cognito:groups array reaches the function as API Gateway's REST Cognito
// user pools authorizer passes it: one string, the names joined with ",".
func TestArrayClaimsReachTheHandlerFlattened(t *testing.T) {
	tests := []struct {
		name   string
		groups []string
		want   string
	}{
		{"two groups, one with a space", []string{"admin", "beta testers"}, "admin,beta testers"},
		{"one group", []string{"admin"}, "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAuthSetup(t)
			claims := s.iss.accessClaims(s.clock.Now(), apiScope)
			claims["cognito:groups"] = tt.groups
			if w := s.get("/hello", sign(t, s.iss.signer, claims)); w.Code != 200 {
				t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
			}
			got := s.hello.last(t).RequestContext.Authorizer["claims"].(map[string]interface{})["cognito:groups"]
			if got != tt.want {
				t.Errorf("cognito:groups = %#v, want %q", got, tt.want)
			}
		})
	}
}

// TestHelloGroupsThroughTheGateway runs the real GET /hello handler behind
// the emulated authorizer: the groups of the token come back as the
// greeting's groups array, an empty one when the token has none.
func TestHelloGroupsThroughTheGateway(t *testing.T) {
	tests := []struct {
		name   string
		groups []string // nil: no cognito:groups claim in the token
		want   []string
	}{
		{"groups", []string{"admin", "beta testers"}, []string{"admin", "beta testers"}},
		{"no groups", nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, clock := newIssuer(t), newClock()
			g := mustNew(t, Options{Routes: []Route{{
				Method: "GET", Path: "/hello", Handler: hello.New(discard, nil).Handle,
				Authorizer: &CognitoAuthorizer{Issuer: iss.URL(), Scopes: []string{apiScope}, Now: clock.Now},
			}}})
			claims := iss.accessClaims(clock.Now(), "openid "+apiScope)
			if tt.groups != nil {
				claims["cognito:groups"] = tt.groups
			}
			r := httptest.NewRequest("GET", "/hello", nil)
			r.Header.Set("Authorization", "Bearer "+sign(t, iss.signer, claims))
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != 200 {
				t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
			}
			var body struct {
				Sub    string          `json:"sub"`
				Groups json.RawMessage `json:"groups"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not JSON: %s", w.Body)
			}
			var groups []string
			if err := json.Unmarshal(body.Groups, &groups); err != nil || groups == nil {
				t.Fatalf("groups = %s, want a JSON array of strings; body %s", body.Groups, w.Body)
			}
			if !reflect.DeepEqual(groups, tt.want) {
				t.Errorf("groups = %q, want %q", groups, tt.want)
			}
			if body.Sub != claims["sub"] {
				t.Errorf("sub = %q, want %q", body.Sub, claims["sub"])
			}
		})
	}
}
