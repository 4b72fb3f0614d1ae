// Package secrettest provides a secret source for handler tests: a fixed
// value that can fail on demand or change on a forced refresh, as a rotated
// secret would.
package secrettest

import (
	"context"
	"errors"
	"sync"

	"github.com/example/cognito-sam-go/internal/secret"
)

// Source is a secret source for handler tests: Cur is served; Next, when
// set, is what a forced refresh finds (a rotated secret); Fail makes Get
// fail like an unreadable secret.
type Source struct {
	mu        sync.Mutex
	Cur, Next secret.Value
	Fail      bool
	Gets      int // calls of Get
	Refreshes int // calls of Refresh
	// Stale makes RefreshIfStale move to Next, as if Cur were past its TTL.
	Stale          bool
	StaleRefreshes int // calls of RefreshIfStale
}

// Get counts the call and returns Cur, or an error when Fail is set.
func (s *Source) Get(context.Context) (secret.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Gets++
	if s.Fail {
		return secret.Value{}, errors.New("ResourceNotFoundException: secret gone")
	}
	return s.Cur, nil
}

// RefreshIfStale counts the call and, with Stale set, moves to Next when
// it is set, as a cache whose value was past its TTL would.
func (s *Source) RefreshIfStale(context.Context, secret.Value) (secret.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.StaleRefreshes++
	if s.Stale && s.Next != (secret.Value{}) {
		s.Cur = s.Next
	}
	return s.Cur, nil
}

// Refresh counts the call and moves to Next when it is set.
func (s *Source) Refresh(context.Context, secret.Value) (secret.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Refreshes++
	if s.Next != (secret.Value{}) {
		s.Cur = s.Next
	}
	return s.Cur, nil
}
