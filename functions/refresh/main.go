// Command refresh is the POST /refresh Lambda function: it trades a refresh
// token for new tokens. See internal/refresh.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/refresh"
	"github.com/example/cognito-sam-go/internal/setup"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	d, err := setup.Load(context.Background(), os.Getenv, config.RequireIssuer)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(refresh.New(d.Config, d.Secrets, d.Cognito, log, nil).Handle)
}
