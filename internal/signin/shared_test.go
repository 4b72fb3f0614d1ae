package signin

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
)

func TestReadRefreshToken(t *testing.T) {
	const secretTok = "SECRETTOKEN"
	tests := []struct {
		name, body, ct, want string
		ok                   bool
	}{
		{"json", `{"refresh_token":"abc"}`, "application/json", "abc", true},
		{"json with charset", `{"refresh_token":"abc"}`, "application/json; charset=utf-8", "abc", true},
		{"form", `refresh_token=a%2Bb`, "application/x-www-form-urlencoded", "a+b", true},
		{"json null", `{"refresh_token":null}`, "application/json", "", false},
		{"whitespace", `{"refresh_token":"` + secretTok + ` x"}`, "application/json", "", false},
		{"control character", `refresh_token=` + secretTok + `%00`, "application/x-www-form-urlencoded", "", false},
		{"oversized", `refresh_token=` + secretTok + strings.Repeat("A", MaxRefreshTokenLen), "application/x-www-form-urlencoded", "", false},
		{"repeated", `refresh_token=` + secretTok + `&refresh_token=` + secretTok, "application/x-www-form-urlencoded", "", false},
		{"json array", `["` + secretTok + `"]`, "application/json", "", false},
		{"json truncated", `{"refresh_token":"` + secretTok, "application/json", "", false},
		{"bad form escape", `refresh_token=` + secretTok + `%zz`, "application/x-www-form-urlencoded", "", false},
		{"no content type", secretTok, "", "", false},
		{"other content type", secretTok, "text/plain", "", false},
		{"body over the limit", `refresh_token=` + secretTok + `&pad=` + strings.Repeat("A", 20000), "application/x-www-form-urlencoded", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readRefreshToken(apigwtest.Post("/refresh", tt.body, http.Header{"Content-Type": {tt.ct}}))
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("readRefreshToken = %q, %v; want %q, ok %v", got, err, tt.want, tt.ok)
			}
			// The error text reaches the log: it must not carry the token.
			if err != nil && strings.Contains(err.Error(), secretTok) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestCognitoErrorMapping(t *testing.T) {
	onGrant := &apigw.Error{Kind: apigw.KindUnauthorized, Code: "invalid_grant", Message: "sign in again"}
	for err, want := range map[error]int{
		cognito.ErrInvalidGrant: 401, cognito.ErrTimeout: 504, cognito.ErrInvalidToken: 502,
		cognito.ErrUnavailable: 502, cognito.ErrInvalidClient: 502, cognito.ErrRejected: 502,
		errors.New("other"): 502,
	} {
		got := apigw.Status(apigw.AsError(tokenError(err, onGrant)).Kind)
		if got != want {
			t.Errorf("tokenError(%v) status = %d, want %d", err, got, want)
		}
	}
	if onGrant.Err != nil {
		t.Error("tokenError modified the caller's template error")
	}
}

// FuzzReadRefreshToken: hostile bodies never panic, and success always
// yields a bounded token without whitespace.
func FuzzReadRefreshToken(f *testing.F) {
	f.Add(`{"refresh_token":"x"}`, "application/json")
	f.Add(`refresh_token=x&refresh_token=y`, "application/x-www-form-urlencoded")
	f.Add("\x00\xff", "application/json; charset=utf-8")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, ct string) {
		tok, err := readRefreshToken(apigwtest.Post("/refresh", body, http.Header{"Content-Type": {ct}}))
		if err == nil && (tok == "" || len(tok) > MaxRefreshTokenLen || strings.ContainsAny(tok, " \n\x00")) {
			t.Errorf("token %q read from %q", tok, body)
		}
	})
}
