package tokenreply

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/flowtest"
)

func TestReadRefreshToken(t *testing.T) {
	tests := []struct {
		body, ct, want string
		ok             bool
	}{
		{`{"refresh_token":"abc"}`, "application/json", "abc", true},
		{`{"refresh_token":"abc"}`, "application/json; charset=utf-8", "abc", true},
		{`refresh_token=a%2Bb`, "application/x-www-form-urlencoded", "a+b", true},
		{`{"refresh_token":null}`, "application/json", "", false},
		{`{"refresh_token":"a b"}`, "application/json", "", false},
		{`[]`, "application/json", "", false},
		{`refresh_token=%zz`, "application/x-www-form-urlencoded", "", false},
		{`abc`, "", "", false},
	}
	for _, tt := range tests {
		got, err := ReadRefreshToken(flowtest.Post("/refresh", tt.body, http.Header{"Content-Type": {tt.ct}}))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ReadRefreshToken(%q, %q) = %q, %v; want %q, ok %v", tt.body, tt.ct, got, err, tt.want, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "abc") {
			t.Errorf("error leaks the token: %v", err)
		}
	}
}

func TestCognitoErrorMapping(t *testing.T) {
	onGrant := &apigw.Error{Kind: apigw.KindUnauthorized, Code: "invalid_grant", Message: "sign in again"}
	for err, want := range map[error]int{
		cognito.ErrInvalidGrant: 401, cognito.ErrTimeout: 504, cognito.ErrInvalidToken: 502,
		cognito.ErrUnavailable: 502, cognito.ErrInvalidClient: 502, cognito.ErrRejected: 502,
		errors.New("other"): 502,
	} {
		got := apigw.Status(apigw.AsError(CognitoError(err, onGrant)).Kind)
		if got != want {
			t.Errorf("CognitoError(%v) status = %d, want %d", err, got, want)
		}
	}
	if onGrant.Err != nil {
		t.Error("CognitoError modified the caller's template error")
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
		tok, err := ReadRefreshToken(flowtest.Post("/refresh", body, http.Header{"Content-Type": {ct}}))
		if err == nil && (tok == "" || len(tok) > MaxRefreshTokenLen || strings.ContainsAny(tok, " \n\x00")) {
			t.Errorf("token %q read from %q", tok, body)
		}
	})
}
