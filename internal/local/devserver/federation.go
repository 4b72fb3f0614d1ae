package devserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/identitypool"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/local/localidentity"
	"github.com/example/cognito-sam-go/internal/signin"
)

// startFederation turns on, with a local Cognito, the Google stand-in and
// the local identity pool that opts ask for, and returns env with the
// variables the handlers then need.
func (s *Server) startFederation(opts Options, cog *localcognito.Server, clientID string, env func(string) string) (func(string) string, error) {
	set := map[string]string{}
	if opts.Google {
		cog.EnableGoogle()
		s.google = true
		set[config.EnvIdentityProviders] = localcognito.GoogleProvider
	}
	if opts.IdentityPool {
		key, err := config.LoginsKey(cog.Issuer())
		if err != nil {
			return nil, err
		}
		li, err := localidentity.New(localidentity.Options{PoolID: LocalIdentityPoolID,
			Providers: []localidentity.Provider{{Name: key, Issuer: cog.Issuer(), ClientID: clientID}}})
		if err != nil {
			return nil, fmt.Errorf("local identity pool: %w", err)
		}
		ln, err := net.Listen("tcp", opts.IdentityAddr)
		if err != nil {
			return nil, fmt.Errorf("local identity pool address %s: %w", opts.IdentityAddr, err)
		}
		s.IdentityURL = "http://" + hostPort(opts.IdentityAddr, ln.Addr())
		s.serve(ln, li)
		set[config.EnvIdentityPoolID] = LocalIdentityPoolID
		set[config.EnvCredentialsBucket] = LocalCredentialsBucket
	}
	return overlay(env, set), nil
}

// identityClient is the identity pool client of POST /credentials: the
// real SDK client, anonymous, pointed at the local identity pool, or at
// AWS when IDENTITY_POOL_ID names a deployed one; nil without either.
func (s *Server) identityClient(ctx context.Context, cfg *config.Config) (signin.CredentialsSource, error) {
	f := cfg.Federation
	switch {
	case !f.HasIdentityPool():
		return nil, nil
	case s.IdentityURL != "":
		region, _, _ := strings.Cut(f.IdentityPoolID, ":")
		api := cognitoidentity.New(cognitoidentity.Options{Region: region, BaseEndpoint: aws.String(s.IdentityURL),
			Credentials: aws.AnonymousCredentials{}})
		return identitypool.New(identitypool.Options{API: api, LoginsKey: f.LoginsKey, PoolID: f.IdentityPoolID}), nil
	}
	c, err := identitypool.NewFromEnv(ctx, f.LoginsKey, f.IdentityPoolID, f.IdentityPoolParameter)
	if err != nil {
		return nil, fmt.Errorf("identity pool client: %w", err)
	}
	return c, nil
}

func (s *Server) federationBanner(w io.Writer) {
	if s.google {
		fmt.Fprintf(w, "Google sign-in: \"Continue with Google\" on the local sign-in page, or %s/login?provider=Google,\n", s.APIURL)
		fmt.Fprintln(w, "  goes to a local stand-in for Google's page (it is not Google: any email address will do).")
	}
	if s.IdentityURL != "" {
		fmt.Fprintf(w, "Identity pool (local):       %s  id %s\n", s.IdentityURL, LocalIdentityPoolID)
		fmt.Fprintln(w, "  The home page's Get AWS credentials button (POST /credentials) returns FAKE credentials:")
		fmt.Fprintln(w, "  right in shape, valid for no AWS service. Try real ones against a deployed stack.")
	}
}
