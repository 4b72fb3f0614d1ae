package page

import (
	"fmt"
	"log/slog"
	"time"
)

// AWSCredentials is what the credentials page shows: the temporary AWS
// credentials of one identity, ready to paste into a shell, and (with a
// bucket) one aws s3 ls command the role allows and one it refuses.
type AWSCredentials struct {
	IdentityID      string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	Region          string
	Bucket          string // CREDENTIALS_BUCKET; empty: no S3 commands
	HomeURL         string
}

// Format prints the page data redacted for every fmt verb: it holds the
// credentials.
func (c AWSCredentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, "page.AWSCredentials{REDACTED}") }

// LogValue redacts the page data for log/slog.
func (c AWSCredentials) LogValue() slog.Value {
	return slog.StringValue("page.AWSCredentials{REDACTED}")
}

// Exports are the shell lines that hand the credentials to the AWS CLI and
// SDKs. The values are single-quoted; none of them holds a quote (access
// keys, secret keys and session tokens are base64-like).
func (c AWSCredentials) Exports() string {
	return "export AWS_ACCESS_KEY_ID='" + c.AccessKeyID + "'\n" +
		"export AWS_SECRET_ACCESS_KEY='" + c.SecretAccessKey + "'\n" +
		"export AWS_SESSION_TOKEN='" + c.SessionToken + "'\n" +
		"export AWS_REGION='" + c.Region + "' AWS_DEFAULT_REGION='" + c.Region + "'"
}

// AllowedCommand lists the identity's own prefix.
func (c AWSCredentials) AllowedCommand() string {
	return "aws s3 ls 's3://" + c.Bucket + "/" + c.IdentityID + "/'"
}

// OtherIdentity is an identity id that is not the user's (all zeros), for
// the command the role refuses.
func (c AWSCredentials) OtherIdentity() string {
	return c.Region + ":00000000-0000-0000-0000-000000000000"
}

// RefusedCommand lists another identity's prefix.
func (c AWSCredentials) RefusedCommand() string {
	return "aws s3 ls 's3://" + c.Bucket + "/" + c.OtherIdentity() + "/'"
}

// RenderCredentials renders the credentials page. Serve it only with
// Cache-Control: no-store (apigw.HTML does).
func RenderCredentials(c AWSCredentials) (string, error) {
	v := map[string]string{
		"Title":         "AWS credentials",
		"ExpirationISO": c.Expiration.UTC().Format(time.RFC3339), "ExpirationUTC": c.Expiration.UTC().Format("2006-01-02 15:04:05 UTC"),
		"IdentityID": c.IdentityID, "Exports": c.Exports(), "HomeURL": c.HomeURL,
	}
	if c.Bucket == "" {
		return renderParts(v, "credentials", "credentials-end")
	}
	v["Bucket"], v["AllowedCommand"], v["RefusedCommand"] = c.Bucket, c.AllowedCommand(), c.RefusedCommand()
	return renderParts(v, "credentials", "credentials-s3", "credentials-end")
}
