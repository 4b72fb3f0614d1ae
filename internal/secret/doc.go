// Package secret reads the app client's credentials from AWS Secrets Manager
// and keeps them in memory.
//
// The secret's SecretString is JSON with client_id, client_secret,
// cookie_key and, while cookie_key is being changed, previous_cookie_key
// (see the runtime contract). Cache wraps GetSecretValue with a TTL, one
// fetch at a time, the held value served at once while a background
// refresh runs or after one fails, and a forced refresh for when Cognito
// rejects the client's credentials.
//
// It is written here rather than taken from aws-secretsmanager-caching-go
// because that library's forced refresh sleeps for seconds and its error
// back-off mixes units; what is needed is about a hundred lines.
//
// A Value is never logged or formatted: its String and LogValue methods
// redact it.
package secret
