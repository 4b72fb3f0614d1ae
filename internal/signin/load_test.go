package signin

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/routes"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestLoadReportsConfigurationProblems(t *testing.T) {
	_, err := Load(context.Background(), func(string) string { return "" }, discard, routes.Of("login"))
	if err == nil || !strings.Contains(err.Error(), "COGNITO_DOMAIN") || !strings.Contains(err.Error(), "CLIENT_SECRET_NAME") {
		t.Errorf("Load with no environment = %v, want every missing variable named", err)
	}
}

func TestLoad(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	env := map[string]string{
		"COGNITO_DOMAIN":     "https://d.auth.us-east-1.amazoncognito.com",
		"COGNITO_ISSUER":     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
		"CLIENT_SECRET_NAME": "s",
	}
	d, err := Load(context.Background(), func(k string) string { return env[k] }, discard, routes.Of("callback"))
	if err != nil {
		t.Fatal(err)
	}
	if d.cfg.Issuer != env["COGNITO_ISSUER"] || d.secrets == nil || d.cognito.Keys() == nil {
		t.Errorf("server = %#v, issuer %q", d, d.cfg.Issuer)
	}
}

// TestLoadRequiresTheIssuerWhereTokensAreVerified: only a function that
// serves nothing but /login may run without COGNITO_ISSUER.
func TestLoadRequiresTheIssuerWhereTokensAreVerified(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	env := map[string]string{"COGNITO_DOMAIN": "https://d.auth.us-east-1.amazoncognito.com", "CLIENT_SECRET_NAME": "s"}
	for _, fn := range routes.Functions() {
		rs := routes.Of(fn)
		if _, ok := New(Options{}).HandlerFor(rs[0]); !ok {
			continue // not a sign-in function
		}
		_, err := Load(context.Background(), func(k string) string { return env[k] }, discard, rs)
		needsIssuer := fn != "login"
		if got := err != nil && strings.Contains(err.Error(), "COGNITO_ISSUER: is not set"); got != needsIssuer {
			t.Errorf("%s without COGNITO_ISSUER: err = %v, want an error naming it: %v", fn, err, needsIssuer)
		}
	}
}
