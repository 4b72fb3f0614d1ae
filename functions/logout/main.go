// Command logout is the POST /logout and GET /signed-out Lambda function: it
// revokes the refresh token and ends the Cognito session. See internal/logout.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logout"
	"github.com/example/cognito-sam-go/internal/setup"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	d, err := setup.Load(context.Background(), os.Getenv, config.RequireIssuer)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(logout.New(d.Config, d.Secrets, d.Cognito, log, nil).Handle)
}
