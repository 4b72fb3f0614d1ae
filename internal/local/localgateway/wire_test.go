package localgateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestOverTheWire(t *testing.T) {
	h := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode:        200,
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1; HttpOnly", "b=2; Secure"}},
			Body:              ev.Headers["X-Forwarded-Port"] + " " + ev.RequestContext.DomainName,
		}, nil
	}
	srv := httptest.NewServer(mustNew(t, Options{Routes: []Route{{Method: "GET", Path: "/x", Handler: h}}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got, want := resp.Header.Values("Set-Cookie"), []string{"a=1; HttpOnly", "b=2; Secure"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Set-Cookie = %q, want %q", got, want)
	}
	u, _ := url.Parse(srv.URL)
	if got, want := readAll(t, resp), u.Port()+" "+u.Host; got != want {
		t.Errorf("X-Forwarded-Port and domainName = %q, want %q", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogLineHasNoSecrets(t *testing.T) {
	var buf syncBuffer
	rec := &recorder{}
	g := mustNew(t, Options{
		Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
		Routes: []Route{{Method: "POST", Path: "/callback", Handler: rec.handle}},
	})
	r := httptest.NewRequest("POST", "/callback?code=SECRET-CODE&state=SECRET-STATE", strings.NewReader("SECRET-BODY"))
	r.Header.Set("Authorization", "SECRET-TOKEN")
	r.Header.Set("Cookie", "__Host-login=SECRET-COOKIE")
	resp := serve(g, r)

	out := buf.String()
	if strings.Contains(out, "SECRET") {
		t.Errorf("log contains a secret:\n%s", out)
	}
	var line struct {
		Msg       string `json:"msg"`
		Method    string `json:"method"`
		Path      string `json:"path"`
		Status    int    `json:"status"`
		Duration  int64  `json:"duration"`
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &line); err != nil {
		t.Fatalf("want one JSON log line, got %q: %v", out, err)
	}
	if line.Method != "POST" || line.Path != "/callback" || line.Status != 200 || line.RequestID != resp.Header.Get("X-Amzn-Requestid") {
		t.Errorf("log line = %+v, want POST /callback 200 with the request id %q", line, resp.Header.Get("X-Amzn-Requestid"))
	}
}
