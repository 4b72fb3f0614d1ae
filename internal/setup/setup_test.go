package setup

import (
	"context"
	"strings"
	"testing"
)

func TestLoadReportsConfigurationProblems(t *testing.T) {
	_, err := Load(context.Background(), func(string) string { return "" })
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
	d, err := Load(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if d.Config.Issuer != env["COGNITO_ISSUER"] || d.Secrets == nil || d.Cognito.Keys() == nil {
		t.Errorf("deps = %+v", d)
	}
}
