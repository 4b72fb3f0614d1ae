// Command local runs the whole sign-in flow on this machine, with no AWS
// account and no Docker: the app's handlers behind an API Gateway emulator
// that enforces the Cognito authorizer, and a local Cognito user pool.
//
//	go run ./cmd/local
//
// See internal/local/devserver, and -h for the flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/cognito-sam-go/internal/local/devserver"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", devserver.DefaultAddr, "API listen address")
	cognitoAddr := fs.String("cognito-addr", devserver.DefaultCognitoAddr, "local Cognito listen address")
	user := fs.String("user", devserver.DefaultUser, "demo user's email")
	password := fs.String("password", devserver.DefaultPassword, "demo user's password (12+ characters, upper, lower, digit, symbol)")
	secretFrom := fs.String("secret", "memory", `where the client secret lives: "memory", or "aws" to read CLIENT_SECRET_NAME from Secrets Manager (honours AWS_ENDPOINT_URL_SECRETS_MANAGER)`)
	appAddr := fs.String("app-addr", "", "also serve the sample app from this second origin (e.g. localhost:5173, as a Vite dev server would) and allow it (CORS)")
	tokenLifetime := fs.Duration("token-lifetime", devserver.DefaultTokenLifetime, "access and ID token lifetime of the local Cognito (2m to 24h): shorten it to watch expiry and refresh")
	google := fs.Bool("google", true, `local Cognito: offer "Continue with Google", backed by a local stand-in for Google (not Google)`)
	identityPool := fs.Bool("identity-pool", true, "local Cognito: run a local identity pool and serve POST /credentials (fake AWS credentials)")
	identityAddr := fs.String("identity-addr", devserver.DefaultIdentityAddr, "local identity pool listen address")
	verbose := fs.Bool("v", false, "log every request (JSON) to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/local [flags]\n\nRuns the API (/, /login, /callback, /token, /refresh, /logout, /hello, /app, /credentials) with a local Cognito.\n"+
			"Set COGNITO_DOMAIN, COGNITO_ISSUER and CLIENT_SECRET_NAME (and -secret aws) to use a deployed user pool instead.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if *secretFrom != "memory" && *secretFrom != "aws" {
		fmt.Fprintf(stderr, "-secret %q: want memory or aws\n", *secretFrom)
		return 2
	}
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := devserver.Start(ctx, devserver.Options{
		Addr: *addr, CognitoAddr: *cognitoAddr, User: *user, Password: *password,
		SecretFromAWS: *secretFrom == "aws", Getenv: os.Getenv, AppAddr: *appAddr, TokenLifetime: *tokenLifetime,
		Google: *google, IdentityPool: *identityPool, IdentityAddr: *identityAddr,
		Logger: slog.New(slog.NewJSONHandler(logOut, nil)),
	})
	if err != nil {
		fmt.Fprintf(stderr, "cannot start:\n%v\n", err)
		return 2
	}
	srv.Banner(stdout)
	select {
	case <-ctx.Done():
	case err := <-srv.Err():
		fmt.Fprintf(stderr, "server stopped: %v\n", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(shutdown); err != nil {
		fmt.Fprintf(stderr, "shutdown: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "stopped")
	return 0
}
