// Command secret is the size and start-up floor of the sign-in functions,
// for the performance tool (functions/internal/perf): a bare aws-lambda-go
// function that loads the SDK's configuration at init and reads one secret
// with the Secrets Manager client on its first invocation. Never deployed.
package main

import (
	"context"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		os.Exit(1)
	}
	client := secretsmanager.NewFromConfig(cfg)
	var (
		mu     sync.Mutex
		secret *string
	)
	lambda.Start(func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		if secret == nil {
			out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("CLIENT_SECRET_NAME"))})
			if err != nil {
				return events.APIGatewayProxyResponse{StatusCode: 503}, nil
			}
			secret = out.SecretString
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	})
}
