package webapp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// node returns the path of the node binary. The script's tests are part of
// the package's tests: without Node.js they fail, they are never skipped.
func node(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("install Node.js: apt-get install -y nodejs")
	}
	return path
}

func TestAppScriptSyntax(t *testing.T) {
	cmd := exec.Command(node(t), "--input-type=module", "--check")
	cmd.Stdin = strings.NewReader(appJS)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node --check app.js: %v\n%s", err, out)
	}
}

// TestAppScriptRules reads app.js for the rules a copy must keep.
func TestAppScriptRules(t *testing.T) {
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "localStorage", "sessionStorage", "document.cookie", "eval(", "new Function", "Bearer "} {
		if code := withoutComments(appJS); strings.Contains(code, banned) {
			t.Errorf("app.js uses %s", banned)
		}
	}
}

// withoutComments drops // line comments (app.js has no block comments
// and no "//" inside its strings).
func withoutComments(js string) string {
	var b strings.Builder
	for _, line := range strings.Split(js, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// request is a fetch the script made, as testdata/harness.mjs records it.
type request struct {
	URL         string            `json:"url"`
	Method      string            `json:"method"`
	Credentials string            `json:"credentials"`
	Headers     map[string]string `json:"headers"`
}

type element struct {
	Text     string `json:"text"`
	Hidden   bool   `json:"hidden"`
	Href     string `json:"href"`
	Disabled bool   `json:"disabled"`
	Error    bool   `json:"error"`
}

type answer struct {
	Status int  `json:"status,omitempty"`
	Body   any  `json:"body,omitempty"`
	Fail   bool `json:"fail,omitempty"`
}

type scenario struct {
	API     string   `json:"api"`
	Origin  string   `json:"origin"`
	Answers []answer `json:"answers"`
	Clicks  int      `json:"clicks"`
}

type outcome struct {
	Requests    []request          `json:"requests"`
	Elements    map[string]element `json:"elements"`
	Timers      []int              `json:"timers"`
	AnswersLeft int                `json:"answersLeft"`
}

// run runs app.js in testdata/harness.mjs: a fake DOM, and fetch answering
// with s.Answers in order.
func run(t *testing.T, s scenario) outcome {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app.mjs")
	if err := os.WriteFile(app, []byte(appJS), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node(t), filepath.Join("testdata", "harness.mjs"), app, string(in))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node harness: %v\n%s", err, stderr.String())
	}
	var out outcome
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("harness output %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	return out
}

// idToken is an unsigned JWT with claims; the script only displays them.
func idToken(t *testing.T, payload string) string {
	t.Helper()
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	if !strings.ContainsAny(p, "-_") {
		t.Fatalf("payload %s encodes without - or _: it would not test base64url decoding", payload)
	}
	return "eyJhbGciOiJSUzI1NiJ9." + p + ".c2ln"
}

func TestAppScript(t *testing.T) {
	const email = "zoë???@example.com" // non-ASCII, and "_" in base64url
	id := idToken(t, `{"sub":"4f1c","email":"`+email+`","cognito:username":"zoe"}`)
	token := func(access string, expiresIn int) answer {
		return answer{Status: 200, Body: map[string]any{"access_token": access, "id_token": id, "token_type": "Bearer", "expires_in": expiresIn}}
	}
	hello := answer{Status: 200, Body: map[string]any{"message": "Hello, " + email + "!", "sub": "4f1c", "groups": []string{}}}
	const helloPretty = "{\n  \"groups\": [],\n  \"message\": \"Hello, " + email + "!\",\n  \"sub\": \"4f1c\"\n}"
	unauthorized := answer{Status: 401, Body: map[string]string{"message": "Unauthorized"}}
	loginRequired := answer{Status: 401, Body: map[string]string{"error": "login_required", "error_description": "Sign in first."}}

	postToken := func(api string) request {
		return request{URL: api + "token", Method: "POST", Credentials: "include", Headers: map[string]string{"Accept": "application/json"}}
	}
	getHello := func(api, access string) request {
		return request{URL: api + "hello", Method: "GET", Credentials: "omit", Headers: map[string]string{"Authorization": access, "Accept": "application/json"}}
	}
	const hour = 3600
	const refreshAt = (hour - 60) * 1000 // ms

	tests := []struct {
		name         string
		s            scenario
		wantRequests []request
		wantSignedIn bool // else signed out, unless wantNoView
		wantNoView   bool // neither view shown: the first /token failed
		wantStatus   string
		wantError    bool
		wantResult   string
		wantTimers   []int
		wantSignin   string
	}{
		{
			name:         "same origin: signed in, calls /hello",
			s:            scenario{Origin: "https://abc.execute-api.us-east-1.amazonaws.com", Answers: []answer{token("at-1", hour), hello}, Clicks: 1},
			wantRequests: []request{postToken(""), getHello("", "at-1")},
			wantSignedIn: true, wantStatus: "GET /hello answered 200.", wantResult: helloPretty,
			wantTimers: []int{refreshAt}, wantSignin: "login?return_to=/app",
		},
		{
			name:         "cross origin: signed out",
			s:            scenario{API: "http://localhost:3000/", Origin: "http://localhost:5173", Answers: []answer{loginRequired}},
			wantRequests: []request{postToken("http://localhost:3000/")},
			wantStatus:   "Signed out.",
			wantSignin:   "http://localhost:3000/login?return_to=http%3A%2F%2Flocalhost%3A5173%2Fapp",
		},
		{
			name:         "cross origin: signed in, calls /hello",
			s:            scenario{API: "http://localhost:3000/", Origin: "http://localhost:5173", Answers: []answer{token("at-1", hour), hello}, Clicks: 1},
			wantRequests: []request{postToken("http://localhost:3000/"), getHello("http://localhost:3000/", "at-1")},
			wantSignedIn: true, wantStatus: "GET /hello answered 200.", wantResult: helloPretty,
			wantTimers: []int{refreshAt},
			wantSignin: "http://localhost:3000/login?return_to=http%3A%2F%2Flocalhost%3A5173%2Fapp",
		},
		{
			name:         "/hello 401: a new token, one retry",
			s:            scenario{Answers: []answer{token("at-1", hour), unauthorized, token("at-2", hour), hello}, Clicks: 1},
			wantRequests: []request{postToken(""), getHello("", "at-1"), postToken(""), getHello("", "at-2")},
			wantSignedIn: true, wantStatus: "GET /hello answered 200.", wantResult: helloPretty,
			wantTimers: []int{refreshAt, refreshAt}, wantSignin: "login?return_to=/app",
		},
		{
			name:         "/hello 401, then /token 401: signed out",
			s:            scenario{Answers: []answer{token("at-1", hour), unauthorized, loginRequired}, Clicks: 1},
			wantRequests: []request{postToken(""), getHello("", "at-1"), postToken("")},
			wantStatus:   "Signed out.", wantTimers: []int{refreshAt}, wantSignin: "login?return_to=/app",
		},
		{
			// sam local start-api does not run the authorizer, so /hello
			// answers 401 whatever the token: no loop, no sign-out.
			name: "/hello 401 twice: shown, not retried again",
			s: scenario{Answers: []answer{token("at-1", hour), unauthorized, token("at-1", hour),
				{Status: 401, Body: map[string]string{"error": "unauthorized", "error_description": "No verified caller."}}}, Clicks: 1},
			wantRequests: []request{postToken(""), getHello("", "at-1"), postToken(""), getHello("", "at-1")},
			wantSignedIn: true, wantStatus: "GET /hello failed: 401 No verified caller.", wantError: true,
			wantResult: "{\n  \"error\": \"unauthorized\",\n  \"error_description\": \"No verified caller.\"\n}",
			wantTimers: []int{refreshAt, refreshAt}, wantSignin: "login?return_to=/app",
		},
		{
			name:         "/token 503: the API's message",
			s:            scenario{Answers: []answer{{Status: 503, Body: map[string]string{"error": "temporarily_unavailable", "error_description": "Sign-in is temporarily unavailable."}}}},
			wantRequests: []request{postToken("")},
			wantNoView:   true, wantStatus: "Could not get an access token: 503 Sign-in is temporarily unavailable.", wantError: true,
			wantSignin: "login?return_to=/app",
		},
		{
			name:         "/token unreachable",
			s:            scenario{Answers: []answer{{Fail: true}}},
			wantRequests: []request{postToken("")},
			wantNoView:   true, wantError: true,
			wantStatus: "Could not get an access token: the API could not be reached (offline, or the answer was refused by CORS).",
			wantSignin: "login?return_to=/app",
		},
		{
			name:         "/token 200 without a token",
			s:            scenario{Answers: []answer{{Status: 200, Body: "<html>"}}},
			wantRequests: []request{postToken("")},
			wantNoView:   true, wantError: true, wantStatus: "Could not get an access token: 200 unexpected answer",
			wantSignin: "login?return_to=/app",
		},
		{
			name:         "short token lifetime: refresh no sooner than 10 s",
			s:            scenario{Answers: []answer{token("at-1", 30)}},
			wantRequests: []request{postToken("")},
			wantSignedIn: true, wantStatus: "Signed in.", wantTimers: []int{10000}, wantSignin: "login?return_to=/app",
		},
		{
			name:       "javascript: data-api: refused",
			s:          scenario{API: "javascript:alert(1)//"},
			wantNoView: true, wantError: true, wantStatus: "This page is misconfigured: data-api must be an http(s) URL, not javascript:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.s)
			if g, w := asJSON(got.Requests), asJSON(tt.wantRequests); g != w {
				t.Errorf("requests\n got %s\nwant %s", g, w)
			}
			if got.AnswersLeft != 0 {
				t.Errorf("%d answers left unused", got.AnswersLeft)
			}
			el := got.Elements
			wantSignedOut := !tt.wantSignedIn && !tt.wantNoView
			if el["signed-in"].Hidden == tt.wantSignedIn || el["signed-out"].Hidden == wantSignedOut {
				t.Errorf("signed-in view shown %v, signed-out view shown %v; want %v, %v",
					!el["signed-in"].Hidden, !el["signed-out"].Hidden, tt.wantSignedIn, wantSignedOut)
			}
			if tt.wantSignedIn && el["who"].Text != email {
				t.Errorf("#who = %q, want %q", el["who"].Text, email)
			}
			if !tt.wantSignedIn && el["who"].Text != "" {
				t.Errorf("#who = %q while not signed in", el["who"].Text)
			}
			if tt.wantSignedIn && !strings.HasPrefix(el["expires"].Text, "The access token expires at ") {
				t.Errorf("#expires = %q", el["expires"].Text)
			}
			if s := el["status"]; s.Text != tt.wantStatus || s.Error != tt.wantError {
				t.Errorf("#status = %q (error %v), want %q (error %v)", s.Text, s.Error, tt.wantStatus, tt.wantError)
			}
			if g := el["hello-result"].Text; g != tt.wantResult {
				t.Errorf("#hello-result\n got %q\nwant %q", g, tt.wantResult)
			}
			if el["call-hello"].Disabled {
				t.Error("#call-hello left disabled")
			}
			if g := el["signin"].Href; g != tt.wantSignin {
				t.Errorf("#signin href = %q, want %q", g, tt.wantSignin)
			}
			if asJSON(got.Timers) != asJSON(tt.wantTimers) {
				t.Errorf("refresh timers = %v ms, want %v", got.Timers, tt.wantTimers)
			}
		})
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}
