// Command refresh is the POST /refresh Lambda function: it trades a refresh
// token for new tokens. See internal/refresh.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/refresh"
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
	lambda.Start(refresh.New(cfg, secrets, client, log, nil).Handle)
}
