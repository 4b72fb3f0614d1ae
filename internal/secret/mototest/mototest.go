// Package mototest starts moto_server, a real emulator of the AWS APIs, for
// tests that exercise the AWS SDK over the wire.
//
// A test that needs it fails, with the install command, when moto_server is
// not on PATH: it never skips silently.
package mototest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// InstallHint is what a missing moto_server is reported with.
const InstallHint = `moto_server not found on PATH; install it with: pip install "moto[server]"`

// TB is the part of testing.TB that Start and PutSecret use, so that a
// command (the performance tool) can call them too.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start runs moto_server on a free loopback port until the test ends and
// returns its endpoint URL, e.g. http://127.0.0.1:41234.
func Start(t TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal(InstallHint)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s: %v", endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// UseEndpoint sets the environment the way a user pointing the functions at
// a local Secrets Manager would (AWS_ENDPOINT_URL_SECRETS_MANAGER, a region,
// dummy credentials), for the rest of the test.
func UseEndpoint(t *testing.T, endpoint string) {
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Client returns a Secrets Manager client built from the environment, as
// the functions build theirs; call UseEndpoint first.
func Client(t testing.TB) *secretsmanager.Client {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return secretsmanager.NewFromConfig(cfg)
}

// PutSecret creates the secret name with the given string, or updates it.
func PutSecret(t TB, c *secretsmanager.Client, name, value string) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err == nil {
		return
	}
	if _, err2 := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)}); err2 != nil {
		t.Fatalf("create secret: %v; put secret value: %v", err, err2)
	}
}
