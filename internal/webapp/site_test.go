package webapp

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/example/cognito-sam-go/internal/routes"
)

func TestSite(t *testing.T) {
	h := New(crossOrigin)
	srv := httptest.NewServer(h.Site())
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		method, path string
		wantStatus   int
		wantLocation string
		// want: the Lambda answer whose headers and body must match; nil
		// for a redirect.
		want func(t *testing.T) (headers map[string]string, body string)
	}{
		{"GET", "/app", 200, "", lambda(h, routes.App, "")},
		{"HEAD", "/app", 200, "", nil},
		{"GET", "/app/app.js", 200, "", lambda(h, routes.AppAsset, "app.js")},
		{"GET", "/app/app.css", 200, "", lambda(h, routes.AppAsset, "app.css")},
		{"GET", "/", 302, "/app", nil},
		{"GET", "/app/", 302, "/app", nil},
		{"GET", "/app/nope.js", 404, "", lambda(h, routes.AppAsset, "nope.js")},
		{"GET", "/app/static/app.js", 404, "", nil},
		{"GET", "/token", 404, "", nil},
		{"POST", "/app", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if tt.want == nil {
				return
			}
			headers, wantBody := tt.want(t)
			for name, want := range headers {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q (as from API Gateway)", name, got, want)
				}
			}
			if string(body) != wantBody {
				t.Errorf("body differs from the Lambda handler's")
			}
		})
	}
}

// lambda returns the headers and body of h's Lambda answer for route, as
// a plain-http local origin answers it: without Strict-Transport-Security,
// which an https API Gateway answer carries and a loopback http one never.
func lambda(h *Handler, route routes.Route, proxy string) func(t *testing.T) (map[string]string, string) {
	return func(t *testing.T) (map[string]string, string) {
		resp := serve(t, h, route, proxy)
		if resp.Headers["Strict-Transport-Security"] == "" {
			t.Error("the Lambda answer over https lacks Strict-Transport-Security")
		}
		headers := maps.Clone(resp.Headers)
		delete(headers, "Strict-Transport-Security")
		headers["Strict-Transport-Security"] = ""
		return headers, resp.Body
	}
}
