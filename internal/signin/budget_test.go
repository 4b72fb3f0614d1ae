package signin

import (
	"context"
	"testing"
	"time"
)

func TestWithBudget(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration // from now; 0 = none
		want     time.Duration
	}{
		{"no deadline", 0, DefaultBudget},
		{"lambda deadline in 5s", 5 * time.Second, 5*time.Second - reserve},
		{"lambda deadline in 15 min", 15 * time.Minute, MaxBudget},
		{"deadline already past", -time.Second, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tt.deadline))
				defer cancel()
			}
			start := now
			bctx, cancel := budget(ctx)
			defer cancel()
			dl, ok := bctx.Deadline()
			if !ok {
				t.Fatal("no deadline set")
			}
			// The budget is measured from the real clock by context.WithTimeout.
			got := dl.Sub(start)
			if tt.deadline < 0 {
				if got > 10*time.Millisecond {
					t.Errorf("budget %v for a deadline already past", got)
				}
				return
			}
			if got > tt.want+50*time.Millisecond || got < tt.want-50*time.Millisecond {
				t.Errorf("budget = %v, want %v", got, tt.want)
			}
		})
	}
}
