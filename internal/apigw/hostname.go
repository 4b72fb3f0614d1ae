package apigw

import "strings"

// These two checks were regular expressions; written out, they keep the
// regexp package (about 100 KB, and its compilation at every cold start)
// out of the functions that need nothing else of it, hello among them.

// isExecuteAPIHost reports whether host is one of API Gateway's default
// endpoint names, <id>.execute-api.<region>.amazonaws.com(.cn), as
// ^[a-z0-9]{1,63}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$ would.
// API ids are 10 characters; any id is accepted, since requestContext
// comes from API Gateway, not from the client.
func isExecuteAPIHost(host string) bool {
	rest, ok := strings.CutSuffix(host, ".amazonaws.com")
	if !ok {
		rest, ok = strings.CutSuffix(host, ".amazonaws.com.cn")
	}
	if !ok {
		return false
	}
	id, region, ok := strings.Cut(rest, ".execute-api.")
	return ok && len(id) <= 63 && only(id, "abcdefghijklmnopqrstuvwxyz0123456789") &&
		only(region, "abcdefghijklmnopqrstuvwxyz0123456789-")
}

// isStage reports whether s is an API Gateway stage name, as
// ^[A-Za-z0-9_-]{1,128}$ would.
func isStage(s string) bool {
	return len(s) <= 128 && only(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
}

// only reports whether s is not empty and made of bytes of set only.
func only(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return s != ""
}
