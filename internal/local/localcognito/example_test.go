package localcognito_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/example/cognito-sam-go/internal/local/localcognito"
)

// A pool for local development: serve it on BaseURL and point the
// application's COGNITO_DOMAIN and COGNITO_ISSUER at it.
func ExampleNew() {
	pool, err := localcognito.New(localcognito.Options{
		BaseURL: "http://127.0.0.1:9229",
		Clients: []localcognito.Client{{
			ID:           "localclient",
			Secrets:      []string{"local-client-secret"},
			CallbackURLs: []string{"http://localhost:3000/callback"},
			LogoutURLs:   []string{"http://localhost:3000/signed-out"},
			Scopes:       []string{"openid", "email", "profile", "api/read"},
		}},
		Users: []localcognito.User{{Email: "demo@example.com", Password: "Demo-Password-1!"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("COGNITO_DOMAIN=" + pool.Domain())
	fmt.Println("COGNITO_ISSUER=" + pool.Issuer())
	fmt.Println("keys at " + pool.JWKSURL())

	_ = http.Handler(pool) // http.ListenAndServe("127.0.0.1:9229", pool)

	// Output:
	// COGNITO_DOMAIN=http://127.0.0.1:9229
	// COGNITO_ISSUER=http://127.0.0.1:9229/us-east-1_localpool
	// keys at http://127.0.0.1:9229/us-east-1_localpool/.well-known/jwks.json
}
