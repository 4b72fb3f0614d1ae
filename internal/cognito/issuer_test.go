package cognito

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

// TestUpdatedIssuer: a pool with IssuerConfiguration UPDATED issues tokens
// from https://issuer-cognito-idp.<region>.amazonaws.com/<pool>; with that
// COGNITO_ISSUER the client fetches the keys there and accepts its tokens,
// and refuses the ORIGINAL issuer's. The issuer host is served by an
// httptest TLS server through the client's dialer.
func TestUpdatedIssuer(t *testing.T) {
	const (
		updated  = "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf"
		original = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf"
	)
	signer, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	var fetched []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched = append(fetched, r.Host+r.URL.Path)
		_ = json.NewEncoder(w).Encode(signer.JWKS())
	}))
	t.Cleanup(srv.Close)
	hc := srv.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tr.TLSClientConfig.ServerName = "example.com" // httptest's certificate
	hc.Transport = tr
	c := New(Options{Domain: "https://d.auth.eu-west-1.amazoncognito.com", Issuer: updated, HTTPClient: hc})

	token := func(iss string) string {
		now := time.Now()
		tok, err := signer.Sign(map[string]any{"iss": iss, "aud": clientID, "sub": "s", "token_use": "id",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := c.VerifyIDToken(context.Background(), clientID, token(updated), "", ""); err != nil {
		t.Errorf("a token of the UPDATED issuer: %v", err)
	}
	if len(fetched) == 0 || fetched[0] != "issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf/.well-known/jwks.json" {
		t.Errorf("keys fetched from %v, want the UPDATED issuer's jwks.json", fetched)
	}
	if _, err := c.VerifyIDToken(context.Background(), clientID, token(original), "", ""); err == nil {
		t.Error("a token of the ORIGINAL issuer was accepted with COGNITO_ISSUER set to the UPDATED one")
	}
}
