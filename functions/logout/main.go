// Command logout is the POST /logout and GET /signed-out Lambda function: it
// revokes the refresh token and ends the Cognito session. See internal/logout.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logout"
	"github.com/example/cognito-sam-go/internal/secret"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	cfg, err := config.Load(os.Getenv, config.RequireIssuer)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	secrets, err := secret.NewCacheFromEnv(context.Background(), cfg.SecretName)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	lambda.Start(logout.New(cfg, secrets, client, log, nil).Handle)
}
