package routes

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All {
		if seen[r.Key()] {
			t.Errorf("%s is in the table twice", r.Key())
		}
		seen[r.Key()] = true
		if !strings.HasPrefix(r.Path, "/") || r.Function == "" || (r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodOptions) {
			t.Errorf("malformed route %+v", r)
		}
	}
	if got := strings.Join(Functions(), " "); got != "login callback refresh logout hello credentials" {
		t.Errorf("Functions() = %s", got)
	}
	if LogicalID("login") != "LoginFunction" || LogicalID("") != "" {
		t.Errorf("LogicalID(login) = %s", LogicalID("login"))
	}
	if !Hello.Protected() || Login.Protected() {
		t.Error("only /hello is behind the authorizer")
	}
}

// binder serves the routes whose keys it lists, answering with the key.
type binder []string

func (b binder) HandlerFor(r Route) (HandlerFunc, bool) {
	for _, k := range b {
		if k == r.Key() {
			return func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: k}, nil
			}, true
		}
	}
	return nil, false
}

func TestHandler(t *testing.T) {
	all := binder{Login.Key(), Logout.Key(), SignedOut.Key()}
	if _, err := Handler("nope", all); err == nil {
		t.Error("a function that is not in the table got a handler")
	}
	if _, err := Handler("logout", binder{Logout.Key()}); err == nil || !strings.Contains(err.Error(), SignedOut.Key()) {
		t.Errorf("missing handler: err = %v, want it to name %s", err, SignedOut.Key())
	}

	login, err := Handler("login", all)
	if err != nil {
		t.Fatal(err)
	}
	// One route: whatever API Gateway sends this function is that route.
	if resp, _ := login(context.Background(), events.APIGatewayProxyRequest{}); resp.Body != Login.Key() {
		t.Errorf("login function answered %q", resp.Body)
	}

	logout, err := Handler("logout", all)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ method, resource, want string }{
		{"POST", "/logout", Logout.Key()},
		{"GET", "/signed-out", SignedOut.Key()},
		{"GET", "/logout", ""},
		{"POST", "/signed-out", ""},
		{"GET", "/login", ""},
		// No resource (sam local invoke without an event): the method decides.
		{"POST", "", Logout.Key()},
		{"GET", "", SignedOut.Key()},
		{"PUT", "", ""},
	} {
		resp, err := logout(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: tt.method, Resource: tt.resource})
		switch {
		case err != nil:
			t.Errorf("%s %s: error %v", tt.method, tt.resource, err)
		case tt.want == "" && (resp.StatusCode != http.StatusNotFound || resp.Headers["Strict-Transport-Security"] != ""):
			t.Errorf("%s %s: %d %s, want 404", tt.method, tt.resource, resp.StatusCode, resp.Body)
		case tt.want != "" && resp.Body != tt.want:
			t.Errorf("%s %s: answered by %q, want %q", tt.method, tt.resource, resp.Body, tt.want)
		}
	}
}

func TestPreflights(t *testing.T) {
	p := Preflights{Allowed: []string{"http://localhost:5173"}}
	if _, ok := p.HandlerFor(Hello); ok {
		t.Error("Preflights bound GET /hello")
	}
	for _, tt := range []struct {
		r                Route
		origin           string
		status           int
		methods, headers string
	}{
		{HelloPreflight, "http://localhost:5173", 204, "GET, OPTIONS", "Authorization"},
		{TokenPreflight, "http://localhost:5173", 204, "POST, OPTIONS", "Content-Type"},
		{LogoutPreflight, "http://localhost:5173", 204, "POST, OPTIONS", "Content-Type"},
		{TokenPreflight, "https://evil.example.com", 403, "", ""},
		{HelloPreflight, "", 403, "", ""},
	} {
		h, ok := p.HandlerFor(tt.r)
		if !ok {
			t.Fatalf("no preflight for %s", tt.r.Key())
		}
		req := events.APIGatewayProxyRequest{HTTPMethod: "OPTIONS", Resource: tt.r.Path, Headers: map[string]string{"Origin": tt.origin}}
		resp, _ := h(context.Background(), req)
		acao := resp.Headers["Access-Control-Allow-Origin"]
		if resp.StatusCode != tt.status || resp.Headers["Access-Control-Allow-Methods"] != tt.methods || resp.Headers["Access-Control-Allow-Headers"] != tt.headers {
			t.Errorf("%s from %q: %d methods %q headers %q", tt.r.Key(), tt.origin, resp.StatusCode, resp.Headers["Access-Control-Allow-Methods"], resp.Headers["Access-Control-Allow-Headers"])
		}
		if (tt.status == 204) != (acao == tt.origin && resp.Headers["Access-Control-Allow-Credentials"] == "true") {
			t.Errorf("%s from %q: Allow-Origin %q", tt.r.Key(), tt.origin, acao)
		}
	}
}

// TestNotFoundHSTS: the 404 of a multi-route function carries HSTS over
// https, like every other answer.
func TestNotFoundHSTS(t *testing.T) {
	logout, err := Handler("logout", binder{Logout.Key(), SignedOut.Key()})
	if err != nil {
		t.Fatal(err)
	}
	req := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/nope",
		Headers:        map[string]string{"X-Forwarded-Proto": "https", "Host": "abc123defg.execute-api.us-east-1.amazonaws.com"},
		RequestContext: events.APIGatewayProxyRequestContext{DomainName: "abc123defg.execute-api.us-east-1.amazonaws.com"}}
	resp, _ := logout(context.Background(), req)
	if resp.StatusCode != http.StatusNotFound || resp.Headers["Strict-Transport-Security"] == "" {
		t.Errorf("404 over https: %d, HSTS %q", resp.StatusCode, resp.Headers["Strict-Transport-Security"])
	}
}

// TestDispatchByPath: an event whose resource is a catch-all (or missing)
// reaches the route its path names, greedy templates included.
func TestDispatchByPath(t *testing.T) {
	all := binder{Hello.Key(), App.Key(), AppAsset.Key(), HelloPreflight.Key(), TokenPreflight.Key(), RefreshPreflight.Key(), LogoutPreflight.Key()}
	hello, err := Handler("hello", all)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ method, resource, path, want string }{
		{"GET", "/{proxy+}", "/hello", Hello.Key()},
		{"GET", "", "/hello", Hello.Key()},
		{"GET", "", "/app", App.Key()},
		{"GET", "/{proxy+}", "/app/app.js", AppAsset.Key()},
		{"GET", "", "/app/", App.Key()}, // a trailing slash is the same route
		{"OPTIONS", "", "/token", TokenPreflight.Key()},
		{"GET", "", "/hello/x", ""},
		{"POST", "", "/hello", ""},
		{"GET", "", "", ""},
	} {
		resp, _ := hello(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: tt.method, Resource: tt.resource, Path: tt.path})
		if got := resp.Body; (tt.want == "" && resp.StatusCode != http.StatusNotFound) || (tt.want != "" && got != tt.want) {
			t.Errorf("%s %s (resource %q): %d %q, want %q", tt.method, tt.path, tt.resource, resp.StatusCode, got, tt.want)
		}
	}
	for template, paths := range map[string]map[string]bool{
		"/hello":        {"/hello": true, "/hello/": true, "/": false, "/hellox": false, "/hello/a": false},
		"/app/{proxy+}": {"/app/a": true, "/app/a/b": true, "/app": false, "/app/": false},
		"/":             {"/": true, "": false, "/a": false},
		"/items/{id}":   {"/items/1": true, "/items/": false, "/items/1/2": false},
	} {
		for p, want := range paths {
			if got := matchPath(template, p); got != want {
				t.Errorf("matchPath(%q, %q) = %v, want %v", template, p, got, want)
			}
		}
	}
}
