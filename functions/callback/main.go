// Command callback is the GET /callback Lambda function: it exchanges the
// authorization code and hands the tokens back. See internal/callback.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/callback"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/setup"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	d, err := setup.Load(context.Background(), os.Getenv, config.RequireIssuer)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(callback.New(d.Config, d.Secrets, d.Cognito, log, nil).Handle)
}
