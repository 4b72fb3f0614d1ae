package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/example/cognito-sam-go/internal/seal"
)

// MinCookieKeyLen is the shortest cookie_key (and previous_cookie_key)
// accepted, in bytes.
const MinCookieKeyLen = seal.MinKeyLen

// Value is the content of the app client's secret.
type Value struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	CookieKey    string `json:"cookie_key"`
	// PreviousCookieKey, optional, is the cookie_key before the last
	// change: cookies sealed under it still open, so changing cookie_key
	// signs no one out. Empty is the same as absent.
	PreviousCookieKey string `json:"previous_cookie_key,omitempty"`
}

// SealKeys are the keys the cookies are sealed with: sealed under
// cookie_key, opened with it or previous_cookie_key, and bound to this
// deployment by the client id.
func (v Value) SealKeys() seal.Keys {
	return seal.Keys{Current: v.CookieKey, Previous: v.PreviousCookieKey, Deployment: v.ClientID}
}

// Parse decodes and validates a SecretString. Fields it does not know (a
// rotation function's bookkeeping, say) are ignored. Its errors name the
// missing or malformed field, never a value.
func Parse(s string) (Value, error) {
	var v Value
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return Value{}, errors.New("secret string is not a JSON object with client_id, client_secret and cookie_key")
	}
	var problems []error
	if v.ClientID == "" {
		problems = append(problems, errors.New("client_id is empty"))
	}
	if v.ClientSecret == "" {
		problems = append(problems, errors.New("client_secret is empty"))
	}
	if len(v.CookieKey) < MinCookieKeyLen {
		problems = append(problems, fmt.Errorf("cookie_key is shorter than %d characters", MinCookieKeyLen))
	}
	switch {
	case v.PreviousCookieKey == "":
	case len(v.PreviousCookieKey) < MinCookieKeyLen:
		problems = append(problems, fmt.Errorf("previous_cookie_key is shorter than %d characters", MinCookieKeyLen))
	case v.PreviousCookieKey == v.CookieKey:
		problems = append(problems, errors.New("previous_cookie_key is the same as cookie_key"))
	}
	if len(problems) > 0 {
		return Value{}, fmt.Errorf("invalid secret: %w", errors.Join(problems...))
	}
	return v, nil
}

// String redacts the value so that a stray %v cannot leak it.
func (v Value) String() string { return "secret.Value{client_id:" + v.ClientID + ", REDACTED}" }

// GoString redacts the value for %#v.
func (v Value) GoString() string { return v.String() }

// LogValue redacts the value for log/slog.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.String()) }

// Format redacts the value for every fmt verb, %d and %x included.
func (v Value) Format(f fmt.State, _ rune) { fmt.Fprint(f, v.String()) }
