// Command login is the GET /login Lambda function: it sends the browser to
// Cognito's sign-in page. See internal/login.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/login"
	"github.com/example/cognito-sam-go/internal/secret"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	secrets, err := secret.NewCacheFromEnv(context.Background(), cfg.SecretName)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Scopes: cfg.Scopes})
	lambda.Start(login.New(cfg, secrets, client, log, nil).Handle)
}
