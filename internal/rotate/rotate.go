package rotate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"golang.org/x/oauth2"

	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/secret"
)

// Event is what Secrets Manager sends the rotation function.
type Event struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
}

// The steps, in the order Secrets Manager runs them.
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// Staging labels.
const (
	stageCurrent  = "AWSCURRENT"
	stagePending  = "AWSPENDING"
	stagePrevious = "AWSPREVIOUS"
)

// SecretsManager is what the rotation calls of Secrets Manager; the SDK's
// client satisfies it. The role needs exactly these four actions on the
// one secret.
type SecretsManager interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

var _ SecretsManager = (*secretsmanager.Client)(nil)

// UserPool is what the rotation calls of the user pools API; the SDK's
// client satisfies it. The role needs exactly these three actions on the
// one pool.
type UserPool interface {
	AddUserPoolClientSecret(ctx context.Context, in *cip.AddUserPoolClientSecretInput, opts ...func(*cip.Options)) (*cip.AddUserPoolClientSecretOutput, error)
	ListUserPoolClientSecrets(ctx context.Context, in *cip.ListUserPoolClientSecretsInput, opts ...func(*cip.Options)) (*cip.ListUserPoolClientSecretsOutput, error)
	DeleteUserPoolClientSecret(ctx context.Context, in *cip.DeleteUserPoolClientSecretInput, opts ...func(*cip.Options)) (*cip.DeleteUserPoolClientSecretOutput, error)
}

var _ UserPool = (*cip.Client)(nil)

// TokenEndpoint is the grant testSecret makes; *cognito.Client satisfies
// it, and sorts Cognito's answers into cognito.ErrInvalidGrant and
// cognito.ErrInvalidClient.
type TokenEndpoint interface {
	Refresh(ctx context.Context, clientID, clientSecret, refreshToken string) (*oauth2.Token, error)
}

var _ TokenEndpoint = (*cognito.Client)(nil)

// Defaults of Options.
const (
	// DefaultTestAttempts is how often testSecret tries the new secret
	// before it gives up. Cognito may take a moment before a secret added a
	// few seconds ago authenticates (its documentation promises nothing
	// either way); a failed test only means Secrets Manager tries the
	// rotation again later, but a rotation that fails for nothing is noise.
	DefaultTestAttempts = 4
	// DefaultTestBackoff is the wait before the second attempt; it doubles
	// for each further one (1 s, 2 s, 4 s: 7 s in all, within the
	// template's 30 s timeout).
	DefaultTestBackoff = time.Second
)

// Options configure a Rotator. Secrets, Pool, UserPoolID and Token are
// required.
type Options struct {
	Secrets    SecretsManager
	Pool       UserPool
	UserPoolID string
	Token      TokenEndpoint
	// Logger receives one line per step and per change made; never a value.
	Logger *slog.Logger
	// TestAttempts and TestBackoff: see the defaults.
	TestAttempts int
	TestBackoff  time.Duration
	// NewSecret makes the new client secret's value; NewClientSecret when
	// nil.
	NewSecret func() (string, error)
	// AllowUnknownToken lets createSecret start a rotation with a token
	// that names no version yet (its PutSecretValue then creates the
	// version), as long as no other version is AWSPENDING. Secrets Manager
	// always creates the empty AWSPENDING version first, so it never needs
	// this; a caller that cannot make an empty version (moto_server, a
	// test) does. False refuses such a token, as Secrets Manager's rotation
	// templates do.
	AllowUnknownToken bool
}

// Rotator runs the rotation steps. It is safe for concurrent use, though
// Secrets Manager runs one step of a secret at a time.
type Rotator struct {
	sm        SecretsManager
	pool      UserPool
	poolID    string
	token     TokenEndpoint
	log       *slog.Logger
	attempts  int
	backoff   time.Duration
	newSecret func() (string, error)
	// allowUnknown: Options.AllowUnknownToken.
	allowUnknown bool
}

// New returns a Rotator.
func New(o Options) *Rotator {
	r := &Rotator{sm: o.Secrets, pool: o.Pool, poolID: o.UserPoolID, token: o.Token, log: o.Logger,
		attempts: o.TestAttempts, backoff: o.TestBackoff, newSecret: o.NewSecret, allowUnknown: o.AllowUnknownToken}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if r.attempts <= 0 {
		r.attempts = DefaultTestAttempts
	}
	if r.backoff <= 0 {
		r.backoff = DefaultTestBackoff
	}
	if r.newSecret == nil {
		r.newSecret = NewClientSecret
	}
	return r
}

// Handle runs one step for the version ev.ClientRequestToken of the secret
// ev.SecretID. A nil error tells Secrets Manager the step is done; any
// error fails the rotation, which Secrets Manager tries again later.
//
// First, as Secrets Manager's rotation templates do: rotation must be
// enabled on the secret; a version that is already AWSCURRENT needs nothing
// more (a step retried after the rotation finished); a version must be
// AWSPENDING to be worked on. One difference, with
// Options.AllowUnknownToken only: createSecret also accepts a token that
// names no version yet, and its PutSecretValue then creates the version.
func (r *Rotator) Handle(ctx context.Context, ev Event) error {
	if ev.SecretID == "" || ev.ClientRequestToken == "" {
		return errors.New("the event needs SecretId and ClientRequestToken")
	}
	step := map[string]func(context.Context, *slog.Logger, Event, *secretsmanager.DescribeSecretOutput) error{
		StepCreate: r.createSecret, StepSet: r.setSecret, StepTest: r.testSecret, StepFinish: r.finishSecret,
	}[ev.Step]
	if step == nil {
		return fmt.Errorf("unknown step %.40q: want createSecret, setSecret, testSecret or finishSecret", ev.Step)
	}
	log := r.log.With(slog.String("step", ev.Step), slog.String("secret_id", ev.SecretID), slog.String("version_id", ev.ClientRequestToken))
	desc, err := r.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return fmt.Errorf("%s: describe secret: %w", ev.Step, err)
	}
	if !aws.ToBool(desc.RotationEnabled) {
		return fmt.Errorf("%s: rotation is not enabled on secret %s", ev.Step, ev.SecretID)
	}
	stages, known := desc.VersionIdsToStages[ev.ClientRequestToken]
	switch {
	case known && slices.Contains(stages, stageCurrent):
		if ev.Step == StepFinish && slices.Contains(stages, stagePending) {
			// An earlier finishSecret moved AWSCURRENT but could not
			// remove AWSPENDING: its retry does.
			r.removePending(ctx, log, ev)
			return nil
		}
		log.Info("the version is already AWSCURRENT: nothing to do")
		return nil
	case known && !slices.Contains(stages, stagePending):
		return fmt.Errorf("%s: version %s of secret %s is not AWSPENDING", ev.Step, ev.ClientRequestToken, ev.SecretID)
	case !known && (ev.Step != StepCreate || !r.allowUnknown):
		return fmt.Errorf("%s: secret %s has no version %s", ev.Step, ev.SecretID, ev.ClientRequestToken)
	case !known:
		for v, st := range desc.VersionIdsToStages {
			if slices.Contains(st, stagePending) && !slices.Contains(st, stageCurrent) {
				return fmt.Errorf("%s: version %s of secret %s is already AWSPENDING: a rotation is in progress", ev.Step, v, ev.SecretID)
			}
		}
	}
	if err := step(ctx, log, ev, desc); err != nil {
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	return nil
}

// read returns one version's document: by token and stage, or by stage.
func (r *Rotator) read(ctx context.Context, id, versionID, stage string) (document, string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := r.sm.GetSecretValue(ctx, in)
	if err != nil {
		return document{}, "", fmt.Errorf("get the %s version: %w", stage, err)
	}
	if out.SecretString == nil {
		return document{}, "", fmt.Errorf("the %s version has no SecretString", stage)
	}
	d, err := parseDocument(*out.SecretString)
	if err != nil {
		return document{}, "", fmt.Errorf("the %s version: %w", stage, err)
	}
	return d, *out.SecretString, nil
}

// createSecret makes the new client secret in Cognito and writes it into
// the AWSPENDING version; see the package comment.
func (r *Rotator) createSecret(ctx context.Context, log *slog.Logger, ev Event, _ *secretsmanager.DescribeSecretOutput) error {
	cur, raw, err := r.read(ctx, ev.SecretID, "", stageCurrent)
	if err != nil {
		return err
	}
	// What the functions would refuse is not rotated further.
	if _, err := secret.Parse(raw); err != nil {
		return fmt.Errorf("the AWSCURRENT version: %w", err)
	}
	pending, _, err := r.read(ctx, ev.SecretID, ev.ClientRequestToken, stagePending)
	switch {
	case err == nil && (pending.secretID == "" || pending.secretID == cur.secretID || pending.clientSecret == cur.clientSecret):
		// A version cannot be changed once put: only a new rotation helps.
		return fmt.Errorf("version %s holds no new client secret; remove its AWSPENDING label and rotate again", ev.ClientRequestToken)
	case err == nil:
		log.Info("the pending version already holds a new client secret", slog.String("client_secret_id", pending.secretID))
		return nil
	case !isNotFound(err):
		return err
	}

	secrets, err := r.list(ctx, cur.clientID)
	if err != nil {
		return err
	}
	currentID, err := r.currentSecretID(ctx, ev.SecretID, cur, secrets)
	if err != nil {
		return err
	}
	// Make room: the client holds two at most. What goes is the secret
	// before the current one (AWSPREVIOUS's, which a roll back could still
	// have used until now), or one that an attempt of this rotation added
	// before it died.
	if len(secrets) >= 2 {
		for _, s := range secrets {
			if id := aws.ToString(s.ClientSecretId); id != currentID {
				if _, err := r.pool.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{
					UserPoolId: aws.String(r.poolID), ClientId: aws.String(cur.clientID), ClientSecretId: aws.String(id),
				}); err != nil && !isCognitoNotFound(err) {
					return fmt.Errorf("delete client secret %s: %w", id, err)
				}
				log.Info("deleted the older client secret", slog.String("client_secret_id", id))
			}
		}
		// A delete cannot be undone, so the rule above is what keeps
		// AWSCURRENT's secret; this check only makes a mistake loud, and
		// stops before adding, while the secret is still the only one.
		if err := r.authenticates(ctx, log, cur, "current"); err != nil {
			return fmt.Errorf("after the delete, AWSCURRENT's client secret does not authenticate, so sign-ins fail: %w; "+
				"nothing was added; make AWSCURRENT a version whose client secret the app client holds", err)
		}
	}
	value, err := r.newSecret()
	if err != nil {
		return err
	}
	added, err := r.pool.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{
		UserPoolId: aws.String(r.poolID), ClientId: aws.String(cur.clientID), ClientSecret: aws.String(value),
	})
	if err != nil {
		return fmt.Errorf("add a client secret: %w", err)
	}
	newID := ""
	if added.ClientSecretDescriptor != nil {
		newID = aws.ToString(added.ClientSecretDescriptor.ClientSecretId)
	}
	if newID == "" {
		return errors.New("add a client secret: Cognito returned no ClientSecretId")
	}
	log.Info("added a client secret", slog.String("client_secret_id", newID))
	doc, err := cur.withSecret(value, newID)
	if err != nil {
		return err
	}
	if _, err := r.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(ev.SecretID), ClientRequestToken: aws.String(ev.ClientRequestToken),
		SecretString: aws.String(doc), VersionStages: []string{stagePending},
	}); err != nil {
		// The secret just added stays in Cognito; the retry deletes it.
		return fmt.Errorf("put the AWSPENDING version: %w", err)
	}
	log.Info("put the pending version", slog.String("client_secret_id", newID))
	return nil
}

// setSecret checks that the pending client secret is in the app client:
// createSecret already put it there (see the package comment).
func (r *Rotator) setSecret(ctx context.Context, log *slog.Logger, ev Event, _ *secretsmanager.DescribeSecretOutput) error {
	pending, _, err := r.read(ctx, ev.SecretID, ev.ClientRequestToken, stagePending)
	if err != nil {
		return err
	}
	if pending.secretID == "" {
		return fmt.Errorf("the AWSPENDING version has no %s", fieldSecretID)
	}
	secrets, err := r.list(ctx, pending.clientID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(secrets, func(s ciptypes.ClientSecretDescriptorType) bool {
		return aws.ToString(s.ClientSecretId) == pending.secretID
	}) {
		return fmt.Errorf("client secret %s of the AWSPENDING version is not in the app client", pending.secretID)
	}
	log.Info("the app client holds the pending client secret", slog.String("client_secret_id", pending.secretID))
	return nil
}

// testSecret proves the pending client secret at /oauth2/token (see
// authenticates).
//
// Secrets Manager also runs testSecret alone when rotation is configured
// without rotating at once (RotateImmediately false, as the template's
// schedule is created): AWS documents only that it "creates an AWSPENDING
// version of the secret and then removes it", not what that version holds.
// testSecret reads only client_id and client_secret, so a copy of the
// current value passes; a version with no value (GetSecretValue answers
// ResourceNotFoundException for it, as for the empty version of a
// rotation) is taken for that test, and AWSCURRENT's client secret is
// proved instead. That cannot let a rotation through: in a rotation,
// createSecret has written the version before testSecret runs, and
// finishSecret refuses a version it cannot read.
func (r *Rotator) testSecret(ctx context.Context, log *slog.Logger, ev Event, _ *secretsmanager.DescribeSecretOutput) error {
	pending, _, err := r.read(ctx, ev.SecretID, ev.ClientRequestToken, stagePending)
	if isNotFound(err) {
		log.Info("the AWSPENDING version has no value: this is Secrets Manager's test of the rotation configuration; testing AWSCURRENT's client secret")
		cur, _, err := r.read(ctx, ev.SecretID, "", stageCurrent)
		if err != nil {
			return err
		}
		return r.authenticates(ctx, log, cur, "current")
	}
	if err != nil {
		return err
	}
	return r.authenticates(ctx, log, pending, "pending")
}

// authenticates proves the document's client secret at /oauth2/token with
// a refresh_token grant for a made-up token: Cognito checks the client
// before the grant, so invalid_grant means the secret authenticated and
// invalid_client that it did not. No user's code or token is involved.
// which ("pending", "current") names the secret in logs and errors.
func (r *Rotator) authenticates(ctx context.Context, log *slog.Logger, d document, which string) error {
	madeUp := "rotation-test-" + rand.Text()
	wait := r.backoff
	for attempt := 1; ; attempt++ {
		_, err := r.token.Refresh(ctx, d.clientID, d.clientSecret, madeUp)
		switch {
		case errors.Is(err, cognito.ErrInvalidGrant):
			log.Info("the "+which+" client secret authenticates at the token endpoint", slog.String("client_secret_id", d.secretID), slog.Int("attempt", attempt))
			return nil
		case err == nil:
			return errors.New("the token endpoint accepted a made-up refresh token")
		case !errors.Is(err, cognito.ErrInvalidClient):
			return fmt.Errorf("test the %s client secret: %w", which, err)
		case attempt >= r.attempts:
			return fmt.Errorf("the token endpoint refused the %s client secret%s %d times: %w", which, idSuffix(d.secretID), attempt, err)
		}
		log.Warn("the token endpoint refused the "+which+" client secret; trying again", slog.Int("attempt", attempt), slog.Duration("wait", wait))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("test the %s client secret: %w", which, ctx.Err())
		}
		wait *= 2
	}
}

// finishSecret makes the pending version AWSCURRENT. The version is parsed
// as the functions parse it first: AWSCURRENT never moves to a version they
// would refuse.
func (r *Rotator) finishSecret(ctx context.Context, log *slog.Logger, ev Event, desc *secretsmanager.DescribeSecretOutput) error {
	_, raw, err := r.read(ctx, ev.SecretID, ev.ClientRequestToken, stagePending)
	if err != nil {
		return err
	}
	if _, err := secret.Parse(raw); err != nil {
		return fmt.Errorf("the AWSPENDING version: %w", err)
	}
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(ev.SecretID), VersionStage: aws.String(stageCurrent), MoveToVersionId: aws.String(ev.ClientRequestToken),
	}
	for v, st := range desc.VersionIdsToStages {
		if slices.Contains(st, stageCurrent) {
			in.RemoveFromVersionId = aws.String(v)
		}
	}
	if _, err := r.sm.UpdateSecretVersionStage(ctx, in); err != nil {
		return fmt.Errorf("move AWSCURRENT: %w", err)
	}
	log.Info("the new version is AWSCURRENT", slog.String("previous_version_id", aws.ToString(in.RemoveFromVersionId)))
	r.removePending(ctx, log, ev)
	return nil
}

// removePending removes AWSPENDING from the version that is now
// AWSCURRENT. A failure is only logged: the rotation is done, and
// AWSPENDING on the AWSCURRENT version is a state Secrets Manager accepts
// (a later rotation moves the label); finishSecret run again removes it.
func (r *Rotator) removePending(ctx context.Context, log *slog.Logger, ev Event) {
	if _, err := r.sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(ev.SecretID), VersionStage: aws.String(stagePending), RemoveFromVersionId: aws.String(ev.ClientRequestToken),
	}); err != nil {
		log.Warn("could not remove AWSPENDING from the new current version", slog.String("detail", err.Error()))
		return
	}
	log.Info("removed AWSPENDING from the current version")
}

// list returns the app client's secrets, oldest first.
func (r *Rotator) list(ctx context.Context, clientID string) ([]ciptypes.ClientSecretDescriptorType, error) {
	var all []ciptypes.ClientSecretDescriptorType
	in := &cip.ListUserPoolClientSecretsInput{UserPoolId: aws.String(r.poolID), ClientId: aws.String(clientID)}
	for {
		out, err := r.pool.ListUserPoolClientSecrets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list the client secrets: %w", err)
		}
		all = append(all, out.ClientSecrets...)
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.SortStableFunc(all, func(a, b ciptypes.ClientSecretDescriptorType) int {
		if c := aws.ToTime(a.ClientSecretCreateDate).Compare(aws.ToTime(b.ClientSecretCreateDate)); c != 0 {
			return c
		}
		return strings.Compare(aws.ToString(a.ClientSecretId), aws.ToString(b.ClientSecretId))
	})
	return all, nil
}

// currentSecretID is the id of the client secret AWSCURRENT holds, as far
// as it is certain, since createSecret deletes every other one: its
// client_secret_id, which must still be in the app client. Without one (the
// secret CloudFormation wrote, or a version someone put by hand):
//
//   - a client that holds one secret: that one (nothing is deleted then);
//   - a client that holds two: the client_secret_id of AWSPREVIOUS, if
//     AWSPREVIOUS holds the same client id and client secret as AWSCURRENT
//     (a copy of the version before, with the id left out) and the client
//     holds that id;
//   - else an error, and nothing is deleted. Neither the ids, nor their
//     dates, nor which one is older tell which value is AWSCURRENT's:
//     Cognito never returns a value.
func (r *Rotator) currentSecretID(ctx context.Context, secretID string, cur document, secrets []ciptypes.ClientSecretDescriptorType) (string, error) {
	if len(secrets) == 0 {
		return "", fmt.Errorf("the app client %s has no client secret", cur.clientID)
	}
	holds := func(id string) bool {
		return slices.ContainsFunc(secrets, func(s ciptypes.ClientSecretDescriptorType) bool { return aws.ToString(s.ClientSecretId) == id })
	}
	switch {
	case cur.secretID != "" && holds(cur.secretID):
		return cur.secretID, nil
	case cur.secretID != "":
		return "", fmt.Errorf("client secret %s of the AWSCURRENT version is not in the app client: nothing is deleted; restore a working AWSCURRENT first", cur.secretID)
	case len(secrets) == 1:
		return aws.ToString(secrets[0].ClientSecretId), nil
	}
	out, err := r.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID), VersionStage: aws.String(stagePrevious)})
	switch {
	case err != nil && !isNotFound(err):
		return "", fmt.Errorf("get the %s version: %w", stagePrevious, err)
	case err == nil:
		prev, perr := parseDocument(aws.ToString(out.SecretString))
		if perr == nil && prev.secretID != "" && prev.clientID == cur.clientID && prev.clientSecret == cur.clientSecret && holds(prev.secretID) {
			return prev.secretID, nil
		}
	}
	older, newer := aws.ToString(secrets[0].ClientSecretId), aws.ToString(secrets[len(secrets)-1].ClientSecretId)
	return "", fmt.Errorf("the AWSCURRENT version has no %s and the app client holds two client secrets (%s, %s): "+
		"nothing is deleted, since which one AWSCURRENT holds is not known. Delete the one it does not hold "+
		"(after a first rotation that died before writing its version, the newer, %s, which no version holds) "+
		"with aws cognito-idp delete-user-pool-client-secret, then rotate again", fieldSecretID, older, newer, newer)
}

// idSuffix is " <id>", or "" without an id.
func idSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " " + id
}

func isNotFound(err error) bool {
	var nf *smtypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// isCognitoNotFound: the secret to delete is already gone (a retried
// createSecret that died right after deleting it, or a concurrent one).
func isCognitoNotFound(err error) bool {
	var nf *ciptypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// NewClientSecret returns a new client secret value: 48 letters and digits
// from crypto/rand (about 285 bits), within Cognito's rule for custom
// values (24 to 64 characters of [\w+]). It is made here rather than by
// Cognito so that the value is written into the pending version by this
// function alone; Cognito's own generated value would be just as good.
// Made here, not with GetRandomPassword, which would be one more permission
// and one more call.
func NewClientSecret() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 48)
	var r [1]byte
	for i := range b {
		for {
			if _, err := rand.Read(r[:]); err != nil {
				return "", fmt.Errorf("random client secret: %w", err)
			}
			if r[0] < 248 { // 248 = 4*62: no modulo bias
				b[i] = alphabet[int(r[0])%len(alphabet)]
				break
			}
		}
	}
	return string(b), nil
}
