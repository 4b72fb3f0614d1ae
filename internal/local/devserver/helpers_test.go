package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
)

// start runs a dev server on free loopback ports until the test ends.
func start(t *testing.T, opts Options) (*Server, *apigwtest.Log) {
	t.Helper()
	var log apigwtest.Log
	if opts.Addr == "" {
		opts.Addr = "localhost:0"
	}
	if opts.CognitoAddr == "" {
		opts.CognitoAddr = "127.0.0.1:0"
	}
	opts.Logger = log.Logger()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, &log
}

// client is a cookie-keeping HTTP client that follows redirects like a
// browser but asks for JSON from the API.
type client struct {
	t  *testing.T
	hc *http.Client
}

func newClient(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

type response struct {
	status int
	url    *url.URL
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	return response{status: resp.StatusCode, url: resp.Request.URL, body: string(body), header: resp.Header}
}

func (c *client) get(u string, header ...string) response {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func (c *client) postForm(u string, form url.Values) response {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) postJSON(u string, v any) response {
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

var cancelLink = regexp.MustCompile(`id="cancel"[^>]*href="([^"]*)"|href="([^"]*)"[^>]*id="cancel"`)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// signIn submits the local Cognito's sign-in form found on page.
func (c *client) signIn(page response, email, password string) response {
	c.t.Helper()
	if !strings.Contains(page.body, `id="signin-form"`) {
		c.t.Fatalf("not the sign-in page (%s):\n%.500s", page.url, page.body)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("email", email)
	form.Set("password", password)
	action := *page.url
	action.Path, action.RawQuery = "/login", ""
	return c.postForm(action.String(), form)
}

// tokenCalls counts the requests the local Cognito's token endpoint
// answered, from the dev server's log: by grant type
// ("authorization_code", "refresh_token") for those that issued tokens,
// and "refused" for the others.
func tokenCalls(t *testing.T, log *apigwtest.Log) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, line := range strings.Split(log.String(), "\n") {
		if line == "" {
			continue
		}
		var e struct {
			Msg       string `json:"msg"`
			Component string `json:"component"`
			Grant     string `json:"grant_type"`
			Path      string `json:"path"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %v: %.200s", err, line)
		}
		switch {
		case e.Component != "local-cognito":
		case e.Msg == "tokens issued":
			out[e.Grant]++
		case e.Msg == "request refused" && e.Path == "/oauth2/token":
			out["refused"]++
		}
	}
	return out
}

// signedIn returns a client signed in as the demo user through /login and
// the local Cognito's form, holding the session cookies, and the callback's
// JSON answer.
func signedIn(t *testing.T, s *Server) (*client, response) {
	t.Helper()
	c := newClient(t)
	cb := c.signIn(c.get(s.APIURL+"/login"), DefaultUser, DefaultPassword)
	if cb.status != http.StatusOK || cb.url.Path != "/callback" {
		t.Fatalf("sign-in ended at %s with %d: %.300s", cb.url, cb.status, cb.body)
	}
	return c, cb
}

// post sends a POST without a body, with the header pairs given.
func (c *client) post(u string, header ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}
