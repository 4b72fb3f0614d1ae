package localidentity

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
)

const testPool = "us-east-1:11111111-2222-4333-8444-555555555555"

func call(t *testing.T, srv *httptest.Server, target, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestProtocolErrors: the identity pool's exception names, in __type.
func TestProtocolErrors(t *testing.T) {
	cog := cognitotest.New(t)
	const key = "cognito-idp.us-east-1.amazonaws.com/" + cognitotest.PoolID
	s, err := New(Options{PoolID: testPool, Providers: []Provider{{Name: key, Issuer: cog.Issuer, ClientID: "client-id"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tok := cog.IDToken("client-id", "", nil)
	other := cog.IDToken("client-id", "", cognitotest.Claims{"sub": "99999999-2222-3333-4444-555555555555"})
	login := func(tok string) string { return `{"` + key + `":"` + tok + `"}` }

	_, id := call(t, srv, targetPrefix+"GetId", `{"IdentityPoolId":"`+testPool+`","Logins":`+login(tok)+`}`)
	identity, _ := id["IdentityId"].(string)
	if !strings.HasPrefix(identity, "us-east-1:") {
		t.Fatalf("GetId = %v", id)
	}
	for _, tc := range []struct {
		name, target, body, want string
	}{
		{"no target", "", `{}`, "UnknownOperationException"},
		{"another action", targetPrefix + "ListIdentityPools", `{}`, "UnknownOperationException"},
		{"not JSON", targetPrefix + "GetId", `{`, "SerializationException"},
		{"unknown pool", targetPrefix + "GetId", `{"IdentityPoolId":"us-east-1:00000000-0000-4000-8000-000000000000","Logins":` + login(tok) + `}`, "ResourceNotFoundException"},
		{"no logins", targetPrefix + "GetId", `{"IdentityPoolId":"` + testPool + `"}`, "NotAuthorizedException"},
		{"unknown provider", targetPrefix + "GetId", `{"IdentityPoolId":"` + testPool + `","Logins":{"accounts.google.com":"` + tok + `"}}`, "InvalidParameterException"},
		{"unknown identity", targetPrefix + "GetCredentialsForIdentity", `{"IdentityId":"us-east-1:00000000-0000-4000-8000-000000000000","Logins":` + login(tok) + `}`, "ResourceNotFoundException"},
		{"another user's identity", targetPrefix + "GetCredentialsForIdentity", `{"IdentityId":"` + identity + `","Logins":` + login(other) + `}`, "NotAuthorizedException"},
		{"no login for credentials", targetPrefix + "GetCredentialsForIdentity", `{"IdentityId":"` + identity + `"}`, "NotAuthorizedException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := call(t, srv, tc.target, tc.body)
			if status != http.StatusBadRequest || out["__type"] != tc.want {
				t.Errorf("%d %v, want 400 %s", status, out, tc.want)
			}
		})
	}
	status, out := call(t, srv, targetPrefix+"GetCredentialsForIdentity", `{"IdentityId":"`+identity+`","Logins":`+login(tok)+`}`)
	c, _ := out["Credentials"].(map[string]any)
	if status != http.StatusOK || !strings.HasPrefix(c["SessionToken"].(string), FakeSessionTokenPrefix) || c["Expiration"] == nil {
		t.Errorf("GetCredentialsForIdentity: %d %v", status, out)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Options{PoolID: "bad", Providers: []Provider{{Name: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "PoolID") || !strings.Contains(err.Error(), "Providers[0]") {
		t.Errorf("New = %v, want both problems", err)
	}
}
