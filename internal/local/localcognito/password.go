package localcognito

import (
	"strings"
	"unicode/utf8"
)

// PasswordMinLength is the pool's minimum password length, as in the
// project's template.yaml.
const PasswordMinLength = 12

// passwordSymbols are the characters Cognito counts as symbols. Like Cognito,
// only basic Latin letters count as uppercase and lowercase.
const passwordSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// CheckPassword applies the pool's password policy (the one template.yaml
// gives the real pool: at least 12 characters with an uppercase letter, a
// lowercase letter, a digit and a symbol) and returns every rule the password
// breaks, in Cognito's words, or nil if it satisfies the policy.
func CheckPassword(password string) []string {
	var problems []string
	if utf8.RuneCountInString(password) < PasswordMinLength {
		problems = append(problems, "Password not long enough (at least 12 characters)")
	}
	if utf8.RuneCountInString(password) > 256 {
		problems = append(problems, "Password too long (at most 256 characters)")
	}
	if password != strings.TrimSpace(password) {
		problems = append(problems, "Password must not start or end with a space")
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	if !upper {
		problems = append(problems, "Password must have uppercase characters")
	}
	if !lower {
		problems = append(problems, "Password must have lowercase characters")
	}
	if !digit {
		problems = append(problems, "Password must have numeric characters")
	}
	if !symbol {
		problems = append(problems, "Password must have symbol characters")
	}
	return problems
}
