package apigw

import (
	"regexp"
	"strings"
	"testing"
)

// TestHostChecksMatchTheirExpressions: the hand-written checks accept
// exactly what the regular expressions they replace accept.
func TestHostChecksMatchTheirExpressions(t *testing.T) {
	host := regexp.MustCompile(`^[a-z0-9]{1,63}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)
	stage := regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	hosts := []string{
		"abc123defg.execute-api.us-east-1.amazonaws.com", "abc123defg.execute-api.cn-north-1.amazonaws.com.cn",
		"x.execute-api.r.amazonaws.com", strings.Repeat("a", 63) + ".execute-api.eu-west-1.amazonaws.com",
		strings.Repeat("a", 64) + ".execute-api.eu-west-1.amazonaws.com", ".execute-api.us-east-1.amazonaws.com",
		"abc.execute-api..amazonaws.com", "ABC.execute-api.us-east-1.amazonaws.com", "abc.execute-api.us_east.amazonaws.com",
		"a.b.execute-api.us-east-1.amazonaws.com", "abc.execute-api.us-east-1.amazonaws.com.evil.com",
		"abc.execute-api.us.east-1.amazonaws.com", "abc.execute-api.us-east-1.amazonaws.cn", "evil.com",
		"abc.execute-api.execute-api.us-east-1.amazonaws.com", "abc.execute-api.us-east-1.amazonaws.com.cn.cn", "",
	}
	for _, h := range hosts {
		if got, want := isExecuteAPIHost(h), host.MatchString(h); got != want {
			t.Errorf("isExecuteAPIHost(%q) = %v, the expression says %v", h, got, want)
		}
	}
	for _, s := range []string{"Prod", "dev_1", "a-b", "", strings.Repeat("s", 128), strings.Repeat("s", 129), "a b", "a/b", "ä", "$default"} {
		if got, want := isStage(s), stage.MatchString(s); got != want {
			t.Errorf("isStage(%q) = %v, the expression says %v", s, got, want)
		}
	}
}
