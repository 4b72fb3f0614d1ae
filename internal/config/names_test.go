package config

import (
	"regexp"
	"strings"
	"testing"
)

// TestNamesMatchTheirPatterns holds each hand-written check to the regular
// expression it stands for, over valid names, near misses and every
// single-character edit of them.
func TestNamesMatchTheirPatterns(t *testing.T) {
	region := func(s string) bool { r, ok := poolRegion(s + "_x"); return ok && r == s }
	for _, c := range []struct {
		name    string
		pattern string
		check   func(string) bool
		samples []string
	}{
		{"provider", `^[A-Za-z0-9.\-][A-Za-z0-9._\-]{0,31}$`, validProviderName,
			[]string{"Google", "SignInWithApple", "my-oidc.v2", "_x", "a_b", "", strings.Repeat("a", 32), strings.Repeat("a", 33), "a b", "Gö"}},
		{"region", `^[a-z]{2}(-[a-z]+)+-[0-9]$`, region,
			[]string{"us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-1", "usa-east-1", "us--east-1", "us-east-10", "US-east-1", "us-east-", "-east-1"}},
		{"identity pool", `^[a-z]{2}(-[a-z]+)+-[0-9]:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, validIdentityPoolID,
			[]string{"us-east-1:00000000-1111-4222-8333-444444444444", "us-east-1:00000000-1111-4222-8333-44444444444", "us-east-1:0000000g-1111-4222-8333-444444444444",
				"us-east-1:00000000-1111-4222-8333-444444444444x", "us-east-1-00000000-1111-4222-8333-444444444444", "us-east-1:00000000_1111-4222-8333-444444444444", "us-east-1:ABCDEF00-1111-4222-8333-444444444444"}},
		{"parameter", `^/[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$`, validParameterName,
			[]string{"/stack/identity-pool-id", "/a", "a/b", "/", "//a", "/a/", "/a//b", "/a b", "/a.b_c-d/E9"}},
		{"bucket", `^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$`, validBucketName,
			[]string{"my-bucket", "abc", "ab", strings.Repeat("a", 63), strings.Repeat("a", 64), "-abc", "abc-", "a.b", "ABC", "a_b"}},
	} {
		re := regexp.MustCompile(c.pattern)
		for _, base := range c.samples {
			for _, s := range edits(base) {
				if got, want := c.check(s), re.MatchString(s); got != want {
					t.Errorf("%s %q: check says %v, pattern %v", c.name, s, got, want)
				}
			}
		}
	}
}

// edits is s with every single character deleted, replaced or inserted
// from a small alphabet of the characters the patterns care about.
func edits(s string) []string {
	const alphabet = "aZ09.-_:/ x"
	out := []string{s}
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			out = append(out, s[:i]+s[i+1:])
		}
		for _, c := range alphabet {
			out = append(out, s[:i]+string(c)+s[i:])
			if i < len(s) {
				out = append(out, s[:i]+string(c)+s[i+1:])
			}
		}
	}
	return out
}
