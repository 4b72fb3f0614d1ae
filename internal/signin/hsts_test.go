package signin

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
)

// TestServeAddsHSTS: every answer through serve carries
// Strict-Transport-Security over https, success and error alike, and none
// on loopback http, even when the request claims https.
func TestServeAddsHSTS(t *testing.T) {
	h := newLogoutHarness(t)
	html := http.Header{"Accept": {"text/html"}}
	crossSite := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}}
	forged := func(r events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
		r = apigwtest.Local(r, "localhost:3000")
		r.Headers["X-Forwarded-Proto"], r.MultiValueHeaders["X-Forwarded-Proto"] = "https", []string{"https"}
		return r
	}
	tests := []struct {
		name   string
		call   func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
		req    events.APIGatewayProxyRequest
		status int
		want   bool
	}{
		{"signed-out page over https", h.h.SignedOut, apigwtest.Request("/signed-out", nil, html), 200, true},
		{"refused cross-site post over https", h.h.Logout, apigwtest.Post("/logout", "", crossSite), 403, true},
		{"signed-out page on loopback", h.h.SignedOut, apigwtest.Local(apigwtest.Request("/signed-out", nil, html), "localhost:3000"), 200, false},
		{"refused post on loopback", h.h.Logout, apigwtest.Local(apigwtest.Post("/logout", "", crossSite), "localhost:3000"), 403, false},
		{"loopback claiming https", h.h.SignedOut, forged(apigwtest.Request("/signed-out", nil, html)), 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.call(context.Background(), tt.req)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("answer = %d, %v; want %d", resp.StatusCode, err, tt.status)
			}
			got := apigwtest.Header(resp, "Strict-Transport-Security")
			switch {
			case tt.want && (len(got) != 1 || got[0] != apigw.HSTS):
				t.Errorf("Strict-Transport-Security = %q, want %q", got, apigw.HSTS)
			case !tt.want && got != nil:
				t.Errorf("Strict-Transport-Security = %q, want none", got)
			}
		})
	}
}
