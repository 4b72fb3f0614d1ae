// Package setup builds what the functions that talk to Cognito need, once
// per execution environment: the validated configuration, the cached
// secret, and the Cognito client. It keeps each Lambda main to its wiring.
package setup

import (
	"context"
	"fmt"

	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/secret"
)

// Deps are a function's dependencies.
type Deps struct {
	Config  *config.Config
	Secrets *secret.Cache
	Cognito *cognito.Client
}

// Load reads the configuration from getenv (all problems at once), builds
// the Secrets Manager client from the standard AWS configuration, and the
// Cognito client. It makes no network call.
func Load(ctx context.Context, getenv func(string) string, reqs ...config.Requirement) (*Deps, error) {
	cfg, err := config.Load(getenv, reqs...)
	if err != nil {
		return nil, err
	}
	secrets, err := secret.NewCacheFromEnv(ctx, cfg.SecretName)
	if err != nil {
		return nil, fmt.Errorf("secret client: %w", err)
	}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	return &Deps{Config: cfg, Secrets: secrets, Cognito: client}, nil
}
