package localcognito

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// MaxClientSecrets is how many secrets an app client holds at once, as in
// Cognito: two, so that a secret can be replaced without downtime.
const MaxClientSecrets = 2

// clientSecret is one of an app client's active secrets. Its id has
// Cognito's shape, <client id>--<creation time in epoch milliseconds>.
type clientSecret struct {
	id      string
	value   string
	created time.Time
}

// ClientSecretInfo describes one of a client's secrets, as
// ListUserPoolClientSecrets does: id and creation time, never the value.
type ClientSecretInfo struct {
	ID      string
	Created time.Time
}

// Errors of the client-secret actions, besides ErrUnknownClient and
// ErrSecretNotFound.
var (
	// ErrTooManySecrets: the client already holds MaxClientSecrets
	// (Cognito's LimitExceededException).
	ErrTooManySecrets = errors.New("the client already has the maximum number of secrets")
	// ErrLastSecret: the client's only secret cannot be deleted.
	ErrLastSecret = errors.New("the last secret of a client cannot be deleted")
	// ErrPublicClient: the client has no secret, so none can be added.
	ErrPublicClient = errors.New("the client has no client secret")
	// ErrBadSecret: a custom secret value breaks Cognito's rules.
	ErrBadSecret = errors.New("a client secret must be 24 to 64 characters of letters, digits, _ or +")
)

// customSecretPattern is Cognito's rule for a ClientSecret given to
// AddUserPoolClientSecret.
var customSecretPattern = regexp.MustCompile(`^[\w+]{24,64}$`)

// secretsOf turns the configured values into secret records, without ids
// yet (stampSecrets gives them).
func secretsOf(values []string) []clientSecret {
	out := make([]clientSecret, len(values))
	for i, v := range values {
		out[i] = clientSecret{value: v}
	}
	return out
}

// stampSecrets gives the configured secrets of a new client their ids and
// creation times, oldest first. Called by New only, before serving.
func (s *Server) stampSecrets(c *client) {
	for i := range c.secrets {
		c.secrets[i].id, c.secrets[i].created = nextSecretID(c.id, c.secrets[:i], s.now())
	}
}

// nextSecretID returns a new secret's id and creation time: now, moved on a
// millisecond at a time until the id is unique among held, so that ids stay
// distinct and creation times ordered however fast secrets are added.
func nextSecretID(clientID string, held []clientSecret, now time.Time) (string, time.Time) {
	t := now.Truncate(time.Millisecond)
	for _, h := range held {
		if !t.After(h.created) {
			t = h.created.Add(time.Millisecond)
		}
	}
	return clientID + "--" + strconv.FormatInt(t.UnixMilli(), 10), t
}

// secretMatches reports whether secret is one of the client's active
// secrets, comparing with every one in constant time.
func (c client) secretMatches(secret string) bool {
	match := 0
	for _, cs := range c.secrets {
		match |= subtle.ConstantTimeCompare([]byte(secret), []byte(cs.value))
	}
	return match == 1
}

// ClientSecrets lists a client's active secrets, oldest first, without
// their values (ListUserPoolClientSecrets).
func (s *Server) ClientSecrets(clientID string) ([]ClientSecretInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok {
		return nil, fmt.Errorf("list client secrets of %q: %w", clientID, ErrUnknownClient)
	}
	out := make([]ClientSecretInfo, len(c.secrets))
	for i, cs := range c.secrets {
		out[i] = ClientSecretInfo{ID: cs.id, Created: cs.created}
	}
	return out, nil
}

// addClientSecret adds value (a generated one when empty) to the client's
// secrets, with Cognito's rules: a confidential client, at most
// MaxClientSecrets, no value it already has. It returns the new secret.
func (s *Server) addClientSecret(clientID, value string) (clientSecret, error) {
	if value == "" {
		var err error
		if value, err = generatedSecret(); err != nil {
			return clientSecret{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	switch {
	case !ok:
		return clientSecret{}, fmt.Errorf("add client secret to %q: %w", clientID, ErrUnknownClient)
	case len(c.secrets) == 0:
		return clientSecret{}, fmt.Errorf("add client secret to %q: %w", clientID, ErrPublicClient)
	case len(c.secrets) >= MaxClientSecrets:
		return clientSecret{}, fmt.Errorf("add client secret to %q: %w", clientID, ErrTooManySecrets)
	case c.secretMatches(value):
		return clientSecret{}, fmt.Errorf("add client secret to %q: the client already has this secret", clientID)
	}
	cs := clientSecret{value: value}
	cs.id, cs.created = nextSecretID(c.id, c.secrets, s.now())
	c.secrets = append(slices.Clone(c.secrets), cs)
	s.log.Info("client secret added", "client_id", clientID, "client_secret_id", cs.id)
	return cs, nil
}

// deleteClientSecret removes the secret with this id; the last one stays.
func (s *Server) deleteClientSecret(clientID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok {
		return fmt.Errorf("delete client secret of %q: %w", clientID, ErrUnknownClient)
	}
	i := slices.IndexFunc(c.secrets, func(cs clientSecret) bool { return cs.id == id })
	switch {
	case i < 0:
		return fmt.Errorf("delete client secret of %q: %w", clientID, ErrSecretNotFound)
	case len(c.secrets) == 1:
		return fmt.Errorf("delete client secret of %q: %w", clientID, ErrLastSecret)
	}
	c.secrets = slices.Delete(slices.Clone(c.secrets), i, i+1)
	s.log.Info("client secret deleted", "client_id", clientID, "client_secret_id", id)
	return nil
}

// generatedSecret is what Cognito makes when AddUserPoolClientSecret gets
// no value: here 52 lower-case letters and digits (about 268 random bits),
// the length and alphabet of the secrets Cognito generates.
func generatedSecret() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 52)
	for i := range b {
		// rand.Text would do but uses base32; draw unbiased from 36 symbols.
		for {
			var r [1]byte
			if _, err := rand.Read(r[:]); err != nil {
				return "", fmt.Errorf("random client secret: %w", err)
			}
			if r[0] < 252 { // 252 = 7*36: no modulo bias
				b[i] = alphabet[int(r[0])%len(alphabet)]
				break
			}
		}
	}
	return string(b), nil
}
