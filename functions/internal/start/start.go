// Package start is the body every Lambda main shares: build the function's
// handler from the route table with the JSON logger and the process
// environment, stop before taking a request when that fails, and serve.
// Only the mains under functions/ import it; it holds the one os.Exit of
// the functions, so everything below it returns errors.
package start

import (
	"context"
	stdlog "log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/routes"
)

// Build returns the Lambda handler of the function name, reading its
// configuration from getenv: signin.LoginFunction and its siblings (one
// per sign-in function) and hello.Function.
type Build func(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error)

// Main runs the function name: it builds its handler and serves it with
// lambda.Start. When the build fails (a configuration problem, every one
// named), it logs why and exits 1, so a bad deployment fails at its first
// cold start, not on a user's request.
func Main(name string, build Build) {
	serve(name, func(ctx context.Context, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
		return build(ctx, name, getenv, log)
	})
}

// Run is Main for a function that API Gateway does not call (the rotation
// function, invoked by Secrets Manager): build returns a handler of any
// shape lambda.Start takes. The same JSON logger, the same exit 1 with
// every configuration problem named.
//
// A handler of this kind reports failure by returning an error, which
// aws-lambda-go also prints with the standard log package: without the
// date prefix that line is its JSON {"errorMessage","errorType"} alone, so
// every line of the log stays JSON.
func Run[H any](name string, build func(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error)) {
	stdlog.SetFlags(0)
	serve(name, build)
}

// serve builds the handler with the JSON logger and the process
// environment, exits 1 naming every problem when that fails, and serves.
func serve[H any](name string, build func(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error)) {
	log := apigw.NewLogger(os.Stdout)
	h, err := build(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cannot start", "function", name, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
