package cognito

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
)

// TestRefreshRefreshToken: the token Refresh returns carries the refresh
// token to use next: the one Cognito sent (rotation), else the one given.
func TestRefreshRefreshToken(t *testing.T) {
	for _, tt := range []struct {
		name, sent, want string
	}{
		{"rotation: Cognito's new token", "rotated-refresh-token", "rotated-refresh-token"},
		{"no rotation: the token given", "", "the-refresh-token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := cognitotest.New(t)
			s.HandleToken(func(w http.ResponseWriter, r *http.Request) {
				body := map[string]any{"access_token": "a", "id_token": "i", "token_type": "Bearer", "expires_in": 300}
				if tt.sent != "" {
					body["refresh_token"] = tt.sent
				}
				cognitotest.WriteJSON(w, http.StatusOK, body)
			})
			tok, err := newClient(s).Refresh(context.Background(), clientID, clientSecret, "the-refresh-token")
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken != tt.want {
				t.Errorf("RefreshToken = %q, want %q", tok.RefreshToken, tt.want)
			}
		})
	}
}

// TestTokensAreDatedByTheClientsClock: Expiry is Options.Now plus
// expires_in, for both grants, so that callers comparing it with the same
// clock agree (x/oauth2 alone dates it by time.Now).
func TestTokensAreDatedByTheClientsClock(t *testing.T) {
	s := cognitotest.New(t)
	s.HandleToken(func(w http.ResponseWriter, r *http.Request) {
		cognitotest.WriteJSON(w, http.StatusOK, map[string]any{"access_token": "a", "refresh_token": "r", "token_type": "Bearer", "expires_in": 300})
	})
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	c := New(Options{Domain: s.URL, Now: func() time.Time { return now }})
	want := now.Add(300 * time.Second)
	tok, err := c.Exchange(context.Background(), clientID, clientSecret, redirectURI, "code", "verifier")
	if err != nil || !tok.Expiry.Equal(want) {
		t.Errorf("Exchange: Expiry %v (err %v), want %v", tok.Expiry, err, want)
	}
	tok, err = c.Refresh(context.Background(), clientID, clientSecret, "r")
	if err != nil || !tok.Expiry.Equal(want) {
		t.Errorf("Refresh: Expiry %v (err %v), want %v", tok.Expiry, err, want)
	}
}
