package secret

import (
	"context"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// NewCacheFromEnv builds the Secrets Manager client from the standard AWS
// configuration (environment, including AWS_ENDPOINT_URL_SECRETS_MANAGER,
// shared files, the Lambda role) and returns a Cache for id with default
// options. Call it once per execution environment.
func NewCacheFromEnv(ctx context.Context, id string) (*Cache, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewCache(secretsmanager.NewFromConfig(cfg), id, CacheOptions{}), nil
}
