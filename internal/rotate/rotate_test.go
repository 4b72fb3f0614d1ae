package rotate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/rotate"
	"github.com/example/cognito-sam-go/internal/rotate/rotatetest"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
)

const (
	clientID       = "rotationclient"
	originalSecret = "original-secret-generated-by-cognito"
	cookieKey      = "cookie-key-0123456789abcdef0123456789abcdef"
	// The secret as CloudFormation writes it (no client_secret_id), plus
	// fields the rotation does not know, which it must copy unchanged.
	initialSecret = `{"client_id":"` + clientID + `","client_secret":"` + originalSecret + `","cookie_key":"` + cookieKey +
		`","previous_cookie_key":"older-cookie-key-0123456789abcdef0123","x_future":{"nested":[1,"two",null]}}`
)

// harness is a local Cognito (over HTTP, the real SDK client talking to its
// AWS JSON endpoint) and moto_server's Secrets Manager, with one secret.
type harness struct {
	t      *testing.T
	sm     *secretsmanager.Client
	pool   *localcognito.Server
	id     string // the secret's name
	faults *faults
	logs   *bytes.Buffer
	opts   rotate.Options
	r      *rotate.Rotator
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	mototest.UseEndpoint(t, mototest.Start(t))
	hs := httptest.NewUnstartedServer(nil)
	pool, err := localcognito.New(localcognito.Options{
		BaseURL: "http://" + hs.Listener.Addr().String(),
		Clients: []localcognito.Client{{ID: clientID, Secrets: []string{originalSecret},
			CallbackURLs: []string{"https://example.com/callback"}, Scopes: []string{"openid"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = pool
	hs.Start()
	t.Cleanup(hs.Close)

	sm := mototest.Client(t)
	id := "stack-" + strings.ToLower(rotatetest.Token()[:8]) + "/cognito-app-client"
	mototest.PutSecret(t, sm, id, initialSecret)
	rotatetest.EnableRotation(t, sm, id)
	h := &harness{t: t, sm: sm, pool: pool, id: id, logs: &bytes.Buffer{}}
	h.faults = &faults{SecretsManager: sm, UserPool: cip.New(cip.Options{
		BaseEndpoint: aws.String(pool.Domain()), Region: "us-east-1", Credentials: aws.AnonymousCredentials{},
	})}
	h.opts = rotate.Options{
		Secrets: h.faults, Pool: h.faults, UserPoolID: pool.PoolID(),
		Token:        cognito.New(cognito.Options{Domain: pool.Domain()}),
		Logger:       slog.New(slog.NewJSONHandler(h.logs, nil)),
		TestAttempts: 2, TestBackoff: time.Millisecond,
		// moto cannot make the empty AWSPENDING version (rotatetest);
		// TestAWSPendingVersion runs without this.
		AllowUnknownToken: true,
	}
	h.r = rotate.New(h.opts)
	return h
}

// faults wraps the real clients and fails chosen calls, as a crash (or a
// lost answer) at that point would.
type faults struct {
	rotate.SecretsManager
	rotate.UserPool
	mu sync.Mutex
	// failPut fails the next PutSecretValue calls; failAdd the next
	// AddUserPoolClientSecret calls; failStage the next
	// UpdateSecretVersionStage calls after failStageAfter successful ones.
	failPut, failAdd, failStage, failStageAfter int
	// emptyPending is a version id that Secrets Manager in AWS would
	// already hold, empty, with AWSPENDING (it makes that version before
	// it calls createSecret, and for its test of the configuration); moto
	// cannot make one. Until a PutSecretValue creates it in moto,
	// DescribeSecret lists it as AWSPENDING and GetSecretValue of it
	// answers ResourceNotFoundException, as AWS does. emptyReads counts
	// those answers.
	emptyPending string
	emptyReads   int
}

func (f *faults) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := f.SecretsManager.DescribeSecret(ctx, in, opts...)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.emptyPending != "" {
		if _, ok := out.VersionIdsToStages[f.emptyPending]; !ok {
			stages := maps.Clone(out.VersionIdsToStages)
			for v, st := range stages { // the label is on one version only
				stages[v] = slices.DeleteFunc(slices.Clone(st), func(s string) bool { return s == "AWSPENDING" })
			}
			stages[f.emptyPending] = []string{"AWSPENDING"}
			out.VersionIdsToStages = stages
		}
	}
	return out, err
}

func (f *faults) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := f.SecretsManager.GetSecretValue(ctx, in, opts...)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil && f.emptyPending != "" && aws.ToString(in.VersionId) == f.emptyPending {
		f.emptyReads++
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for VersionId: " + f.emptyPending)}
	}
	return out, err
}

var errCrash = errors.New("simulated crash")

func (f *faults) take(n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (f *faults) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	if f.take(&f.failPut) {
		return nil, errCrash
	}
	return f.SecretsManager.PutSecretValue(ctx, in, opts...)
}

func (f *faults) UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	if !f.take(&f.failStageAfter) && f.take(&f.failStage) {
		return nil, errCrash
	}
	return f.SecretsManager.UpdateSecretVersionStage(ctx, in, opts...)
}

func (f *faults) AddUserPoolClientSecret(ctx context.Context, in *cip.AddUserPoolClientSecretInput, opts ...func(*cip.Options)) (*cip.AddUserPoolClientSecretOutput, error) {
	if f.take(&f.failAdd) {
		return nil, errCrash
	}
	return f.UserPool.AddUserPoolClientSecret(ctx, in, opts...)
}

func (h *harness) step(token, step string) error {
	return h.r.Handle(context.Background(), rotate.Event{SecretID: h.id, ClientRequestToken: token, Step: step})
}

// rotateAll runs the four steps of one rotation, failing the test on any
// error, and returns the token.
func (h *harness) rotateAll() string {
	h.t.Helper()
	token := rotatetest.Token()
	for _, s := range rotatetest.Steps {
		if err := h.step(token, s); err != nil {
			h.t.Fatalf("%s: %v", s, err)
		}
		h.checkAtMostTwo()
	}
	return token
}

func (h *harness) secretIDs() []string {
	h.t.Helper()
	infos, err := h.pool.ClientSecrets(clientID)
	if err != nil {
		h.t.Fatal(err)
	}
	var ids []string
	for _, in := range infos {
		ids = append(ids, in.ID)
	}
	return ids
}

func (h *harness) checkAtMostTwo() {
	h.t.Helper()
	if ids := h.secretIDs(); len(ids) > 2 || len(ids) == 0 {
		h.t.Fatalf("the app client holds %d secrets: %v", len(ids), ids)
	}
}

// current decodes the AWSCURRENT version.
func (h *harness) current() map[string]any {
	h.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(rotatetest.Value(h.t, h.sm, h.id, "AWSCURRENT")), &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

// works reports how Cognito answers the secret: "" when it authenticates.
func (h *harness) works(secret string) error {
	_, err := cognito.New(cognito.Options{Domain: h.pool.Domain()}).Refresh(context.Background(), clientID, secret, "made-up")
	if errors.Is(err, cognito.ErrInvalidGrant) {
		return nil
	}
	return err
}

// TestTwoRotations: the first rotation adds a secret and keeps the
// original; the second deletes the original (the oldest) and keeps the
// first rotation's. AWSCURRENT always works, and so does the secret before
// it; every field the rotation does not own is copied unchanged.
func TestTwoRotations(t *testing.T) {
	h := newHarness(t)
	var before map[string]any
	_ = json.Unmarshal([]byte(initialSecret), &before)
	original := h.secretIDs()

	token1 := h.rotateAll()
	cur1 := h.current()
	s1, id1 := cur1["client_secret"].(string), cur1["client_secret_id"].(string)
	if got := h.secretIDs(); len(got) != 2 || got[0] != original[0] || got[1] != id1 {
		t.Errorf("after the first rotation the client holds %v, want the original %v then the new %s", got, original, id1)
	}
	if s1 == originalSecret || len(s1) < 24 || h.works(s1) != nil || h.works(originalSecret) != nil {
		t.Errorf("after the first rotation: new secret works: %v, original works: %v", h.works(s1), h.works(originalSecret))
	}
	for k, v := range before {
		if k == "client_secret" {
			continue
		}
		if a, b := mustJSON(t, cur1[k]), mustJSON(t, v); a != b {
			t.Errorf("field %s changed: %s, was %s", k, a, b)
		}
	}
	if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT"); v != token1 {
		t.Errorf("AWSCURRENT is on %s, want %s", v, token1)
	}
	if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSPENDING"); v != "" {
		t.Errorf("AWSPENDING is left on %s", v)
	}
	if prev := rotatetest.Value(t, h.sm, h.id, "AWSPREVIOUS"); !strings.Contains(prev, originalSecret) {
		t.Errorf("AWSPREVIOUS does not hold the original secret")
	}

	h.rotateAll()
	cur2 := h.current()
	s2, id2 := cur2["client_secret"].(string), cur2["client_secret_id"].(string)
	if got := h.secretIDs(); len(got) != 2 || got[0] != id1 || got[1] != id2 {
		t.Errorf("after the second rotation the client holds %v, want %s then %s", got, id1, id2)
	}
	if err := h.works(originalSecret); !errors.Is(err, cognito.ErrInvalidClient) {
		t.Errorf("the original secret after the second rotation: %v, want invalid_client", err)
	}
	if h.works(s1) != nil || h.works(s2) != nil {
		t.Errorf("after the second rotation: previous works: %v, current works: %v", h.works(s1), h.works(s2))
	}
	if cur2["cookie_key"] != cookieKey || mustJSON(t, cur2["x_future"]) != mustJSON(t, before["x_future"]) {
		t.Errorf("the second rotation changed fields it does not own: %s", mustJSON(t, cur2["x_future"]))
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRetryAfterCrash: each step, failing at its most awkward point and
// then retried as Secrets Manager retries it, ends where an uninterrupted
// rotation ends, and the client never holds more than two secrets.
func TestRetryAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before runs earlier rotations; crash sets the fault; at is the
		// step that fails once.
		rotationsBefore int
		crash           func(f *faults)
		at              string
	}{
		{"createSecret dies after adding, before putting (second rotation)", 1, func(f *faults) { f.failPut = 1 }, rotate.StepCreate},
		{"createSecret dies after deleting, before adding", 1, func(f *faults) { f.failAdd = 1 }, rotate.StepCreate},
		{"finishSecret dies after moving AWSCURRENT", 1, func(f *faults) { f.failStageAfter, f.failStage = 1, 1 }, rotate.StepFinish},
		{"finishSecret dies before moving AWSCURRENT", 0, func(f *faults) { f.failStage = 1 }, rotate.StepFinish},
		{"every step run twice", 1, func(*faults) {}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			for range tc.rotationsBefore {
				h.rotateAll()
			}
			prev := h.current()["client_secret"].(string)
			token := rotatetest.Token()
			for _, s := range rotatetest.Steps {
				if s == tc.at {
					tc.crash(h.faults)
					if s == rotate.StepFinish && h.faults.failStageAfter == 1 {
						// The first update (AWSCURRENT) succeeds, the second
						// (removing AWSPENDING) "crashes": the rotation is
						// done, so the step succeeds, says so, and leaves
						// the label, which the retry below removes.
						if err := h.step(token, s); err != nil {
							t.Fatalf("%s with only AWSPENDING's removal failing: %v", s, err)
						}
						if !strings.Contains(h.logs.String(), "could not remove AWSPENDING") ||
							rotatetest.VersionWith(t, h.sm, h.id, "AWSPENDING") != token || rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT") != token {
							t.Fatalf("the fault did not fire: want AWSCURRENT and AWSPENDING on %s and a warning:\n%s", token, h.logs)
						}
					} else if err := h.step(token, s); err == nil {
						t.Fatalf("%s did not fail with the fault", s)
					}
					h.checkAtMostTwo()
				}
				if err := h.step(token, s); err != nil {
					t.Fatalf("%s (retry): %v", s, err)
				}
				if err := h.step(token, s); err != nil { // and once more: idempotent
					t.Fatalf("%s (again): %v", s, err)
				}
				h.checkAtMostTwo()
			}
			cur := h.current()
			got := h.secretIDs()
			if len(got) != 2 || got[1] != cur["client_secret_id"] {
				t.Errorf("the client holds %v, want two ending with the current %v", got, cur["client_secret_id"])
			}
			if h.works(cur["client_secret"].(string)) != nil || h.works(prev) != nil {
				t.Errorf("current works: %v; previous works: %v", h.works(cur["client_secret"].(string)), h.works(prev))
			}
			if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT"); v != token {
				t.Errorf("AWSCURRENT on %s, want %s", v, token)
			}
			if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSPENDING"); v != "" {
				t.Errorf("AWSPENDING is left on %s", v)
			}
		})
	}
}

// TestStagingChecks: what Secrets Manager's templates check before a step,
// and what this function adds.
func TestStagingChecks(t *testing.T) {
	h := newHarness(t)
	done := h.rotateAll()
	previous := rotatetest.VersionWith(t, h.sm, h.id, "AWSPREVIOUS")
	before := h.secretIDs()

	// A version already AWSCURRENT: every step is a no-op.
	for _, s := range rotatetest.Steps {
		if err := h.step(done, s); err != nil {
			t.Errorf("%s on the AWSCURRENT version: %v", s, err)
		}
	}
	for _, tc := range []struct {
		name, token, step, want string
	}{
		{"a version that is not AWSPENDING", previous, rotate.StepCreate, "is not AWSPENDING"},
		{"setSecret of an unknown version", rotatetest.Token(), rotate.StepSet, "has no version"},
		{"testSecret of an unknown version", rotatetest.Token(), rotate.StepTest, "has no version"},
		{"finishSecret of an unknown version", rotatetest.Token(), rotate.StepFinish, "has no version"},
		{"an unknown step", rotatetest.Token(), "rotateEverything", "unknown step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.step(tc.token, tc.step); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one that says %q", err, tc.want)
			}
		})
	}
	// A rotation in progress (AWSPENDING on another version) blocks a
	// createSecret with a new token.
	inProgress := rotatetest.Token()
	if err := h.step(inProgress, rotate.StepCreate); err != nil {
		t.Fatal(err)
	}
	if err := h.step(rotatetest.Token(), rotate.StepCreate); err == nil || !strings.Contains(err.Error(), "rotation is in progress") {
		t.Errorf("createSecret beside a pending rotation: %v", err)
	}
	if got := h.secretIDs(); len(got) != 2 || got[0] != before[1] {
		t.Errorf("the client holds %v after the refused steps (was %v)", got, before)
	}

	// Rotation not enabled.
	sm := mototest.Client(t)
	plain := h.id + "-plain"
	mototest.PutSecret(t, sm, plain, initialSecret)
	err := h.r.Handle(context.Background(), rotate.Event{SecretID: plain, ClientRequestToken: rotatetest.Token(), Step: rotate.StepCreate})
	if err == nil || !strings.Contains(err.Error(), "rotation is not enabled") {
		t.Errorf("a secret without rotation: %v", err)
	}
}

// TestTestSecretRefusesABadSecret: a pending version whose secret Cognito
// does not know fails testSecret (invalid_client), and finishSecret is not
// reached in Secrets Manager's order.
func TestTestSecretRefusesABadSecret(t *testing.T) {
	h := newHarness(t)
	token := rotatetest.Token()
	for _, s := range rotatetest.Steps[:2] {
		if err := h.step(token, s); err != nil {
			t.Fatal(err)
		}
	}
	// Delete the pending secret from Cognito behind the rotation's back.
	pendingID := h.secretIDs()[1]
	api := cip.New(cip.Options{BaseEndpoint: aws.String(h.pool.Domain()), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	if _, err := api.DeleteUserPoolClientSecret(context.Background(), &cip.DeleteUserPoolClientSecretInput{
		UserPoolId: aws.String(h.pool.PoolID()), ClientId: aws.String(clientID), ClientSecretId: aws.String(pendingID)}); err != nil {
		t.Fatal(err)
	}
	if err := h.step(token, rotate.StepTest); err == nil || !strings.Contains(err.Error(), "refused the pending client secret") || !strings.Contains(err.Error(), " 2 times") {
		t.Errorf("testSecret with a secret Cognito does not know: %v", err)
	}
	if err := h.step(token, rotate.StepSet); err == nil || !strings.Contains(err.Error(), "is not in the app client") {
		t.Errorf("setSecret with the pending secret gone from Cognito: %v", err)
	}
}

// TestCurrentSecretGoneFromCognito: when the secret AWSCURRENT names is
// no longer in the app client, createSecret deletes nothing.
func TestCurrentSecretGoneFromCognito(t *testing.T) {
	h := newHarness(t)
	h.rotateAll()
	h.rotateAll()
	ids := h.secretIDs()
	// AWSCURRENT names a client secret the app client no longer holds (as
	// after a rollback past the previous version): nothing is touched.
	cur := h.current()
	cur["client_secret_id"] = clientID + "--1"
	b, _ := json.Marshal(cur)
	// A new version made current with update-secret-version-stage, as a
	// rollback is done. (A PutSecretValue straight to AWSCURRENT would do
	// in AWS, but moto_server 5.2 then leaves AWSCURRENT on two versions
	// after a rotation has moved it.)
	put, err := h.sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(h.id), SecretString: aws.String(string(b)), VersionStages: []string{"MANUAL"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sm.UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(h.id),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: put.VersionId, RemoveFromVersionId: aws.String(rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT"))}); err != nil {
		t.Fatal(err)
	}
	if err := h.step(rotatetest.Token(), rotate.StepCreate); err == nil || !strings.Contains(err.Error(), "is not in the app client") {
		t.Errorf("createSecret with AWSCURRENT's secret gone: %v", err)
	}
	if got := h.secretIDs(); len(got) != 2 || got[0] != ids[0] || got[1] != ids[1] {
		t.Errorf("the client holds %v, was %v", got, ids)
	}
}

// TestAWSPendingVersion: the path AWS takes into createSecret. Secrets
// Manager makes the version first, so the token names an AWSPENDING
// version with no value (GetSecretValue: ResourceNotFoundException), and
// the rotation runs without AllowUnknownToken; without it a token that
// names no version is refused.
func TestAWSPendingVersion(t *testing.T) {
	h := newHarness(t)
	opts := h.opts
	opts.AllowUnknownToken = false
	r := rotate.New(opts)
	step := func(token, s string) error {
		return r.Handle(context.Background(), rotate.Event{SecretID: h.id, ClientRequestToken: token, Step: s})
	}
	ids := h.secretIDs()
	if err := step(rotatetest.Token(), rotate.StepCreate); err == nil || !strings.Contains(err.Error(), "has no version") {
		t.Errorf("createSecret with a token that names no version, without AllowUnknownToken: %v", err)
	}
	if got := h.secretIDs(); strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Errorf("the refused createSecret changed the client's secrets: %v, were %v", got, ids)
	}
	for i := range 2 {
		token := rotatetest.Token()
		h.faults.emptyPending = token
		reads := h.faults.emptyReads
		for _, s := range rotatetest.Steps {
			if err := step(token, s); err != nil {
				t.Fatalf("rotation %d, %s: %v", i+1, s, err)
			}
			if s == rotate.StepCreate && h.faults.emptyReads == reads {
				t.Fatalf("createSecret never read the empty version: the test proves less than it says")
			}
			h.checkAtMostTwo()
		}
		cur := h.current()
		if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT"); v != token || h.works(cur["client_secret"].(string)) != nil {
			t.Errorf("rotation %d: AWSCURRENT on %s (want %s), its secret works: %v", i+1, v, token, h.works(cur["client_secret"].(string)))
		}
		if got := h.secretIDs(); len(got) != 2 || got[1] != cur["client_secret_id"] {
			t.Errorf("rotation %d: the client holds %v, want two ending with %v", i+1, got, cur["client_secret_id"])
		}
	}
	if err := h.works(originalSecret); !errors.Is(err, cognito.ErrInvalidClient) {
		t.Errorf("the original secret after two rotations: %v, want invalid_client", err)
	}
}

// TestConfigurationTest: Secrets Manager's test of the rotation
// configuration (testSecret alone, when the schedule is created without
// rotating) on an AWSPENDING version with no value proves AWSCURRENT's
// client secret and passes; nothing changes, and neither setSecret nor
// finishSecret takes that version.
func TestConfigurationTest(t *testing.T) {
	h := newHarness(t)
	token := rotatetest.Token()
	h.faults.emptyPending = token
	current := rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT")
	ids := h.secretIDs()
	if err := h.step(token, rotate.StepTest); err != nil {
		t.Fatalf("testSecret on an empty AWSPENDING version: %v", err)
	}
	if h.faults.emptyReads == 0 || !strings.Contains(h.logs.String(), "test of the rotation configuration") ||
		!strings.Contains(h.logs.String(), "the current client secret authenticates at the token endpoint") {
		t.Errorf("testSecret did not take the empty version for the configuration test and prove AWSCURRENT:\n%s", h.logs)
	}
	for _, s := range []string{rotate.StepSet, rotate.StepFinish} {
		if err := h.step(token, s); err == nil {
			t.Errorf("%s on an empty AWSPENDING version succeeded", s)
		}
	}
	if v := rotatetest.VersionWith(t, h.sm, h.id, "AWSCURRENT"); v != current || strings.Join(h.secretIDs(), " ") != strings.Join(ids, " ") {
		t.Errorf("the configuration test changed AWSCURRENT (%s, was %s) or the client's secrets (%v, were %v)", v, current, h.secretIDs(), ids)
	}
}

// makeCurrent puts a version with the fields m and makes it AWSCURRENT
// with update-secret-version-stage, as a roll back or a hand-made version
// is done (see TestCurrentSecretGoneFromCognito for why not straight to
// AWSCURRENT). The version AWSCURRENT leaves becomes AWSPREVIOUS.
func (h *harness) makeCurrent(m map[string]any) {
	h.t.Helper()
	ctx := context.Background()
	put, err := h.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(h.id), SecretString: aws.String(mustJSON(h.t, m)), VersionStages: []string{"MANUAL"}})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(h.id),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: put.VersionId, RemoveFromVersionId: aws.String(rotatetest.VersionWith(h.t, h.sm, h.id, "AWSCURRENT"))}); err != nil {
		h.t.Fatal(err)
	}
}

// TestCurrentWithoutSecretID: when AWSCURRENT has no client_secret_id and
// the app client holds two secrets, createSecret deletes one only when it
// is certain it is not AWSCURRENT's (AWSPREVIOUS holds the same value with
// an id); else it deletes nothing and says what to do. Which one is older
// tells nothing.
func TestCurrentWithoutSecretID(t *testing.T) {
	withoutID := func(m map[string]any) map[string]any { delete(m, "client_secret_id"); return m }
	t.Run("a copy of the version before, without the id", func(t *testing.T) {
		h := newHarness(t)
		h.rotateAll()
		cur := h.current()
		kept := cur["client_secret_id"].(string)
		h.makeCurrent(withoutID(cur))
		if prev := rotatetest.Value(t, h.sm, h.id, "AWSPREVIOUS"); !strings.Contains(prev, kept) {
			t.Fatalf("AWSPREVIOUS does not name %s: the test sets up less than it says", kept)
		}
		h.rotateAll()
		if got := h.secretIDs(); len(got) != 2 || got[0] != kept {
			t.Errorf("the client holds %v, want %s (what AWSCURRENT held) and a new one", got, kept)
		}
		if err := h.works(cur["client_secret"].(string)); err != nil {
			t.Errorf("the secret AWSCURRENT held before the rotation: %v", err)
		}
	})
	t.Run("AWSPREVIOUS holds another secret", func(t *testing.T) {
		h := newHarness(t)
		h.rotateAll()
		h.rotateAll()
		ids := h.secretIDs()
		var prev map[string]any
		_ = json.Unmarshal([]byte(rotatetest.Value(t, h.sm, h.id, "AWSPREVIOUS")), &prev)
		h.makeCurrent(withoutID(prev)) // a roll back that lost the id
		err := h.step(rotatetest.Token(), rotate.StepCreate)
		if err == nil || !strings.Contains(err.Error(), "nothing is deleted") || !strings.Contains(err.Error(), "delete-user-pool-client-secret") {
			t.Errorf("createSecret: %v, want a refusal that says what to do", err)
		}
		if got := h.secretIDs(); len(got) != 2 || got[0] != ids[0] || got[1] != ids[1] {
			t.Errorf("the client holds %v, was %v", got, ids)
		}
	})
	t.Run("first rotation that died before writing its version", func(t *testing.T) {
		h := newHarness(t)
		token := rotatetest.Token()
		h.faults.failPut = 1
		if err := h.step(token, rotate.StepCreate); err == nil {
			t.Fatal("createSecret did not fail with the fault")
		}
		ids := h.secretIDs()
		if len(ids) != 2 {
			t.Fatalf("the crashed createSecret left %v, want the original and an orphan", ids)
		}
		err := h.step(token, rotate.StepCreate)
		if err == nil || !strings.Contains(err.Error(), "nothing is deleted") || !strings.Contains(err.Error(), "the newer, "+ids[1]) {
			t.Fatalf("createSecret (retry): %v, want a refusal naming the orphan %s", err, ids[1])
		}
		if got := h.secretIDs(); len(got) != 2 || got[0] != ids[0] || got[1] != ids[1] || h.works(originalSecret) != nil {
			t.Fatalf("the client holds %v, was %v; the original works: %v", got, ids, h.works(originalSecret))
		}
		// What the error says to do: delete the orphan, rotate again.
		if _, err := h.faults.UserPool.DeleteUserPoolClientSecret(context.Background(), &cip.DeleteUserPoolClientSecretInput{
			UserPoolId: aws.String(h.pool.PoolID()), ClientId: aws.String(clientID), ClientSecretId: aws.String(ids[1])}); err != nil {
			t.Fatal(err)
		}
		for _, s := range rotatetest.Steps {
			if err := h.step(token, s); err != nil {
				t.Fatalf("%s after the orphan was deleted: %v", s, err)
			}
		}
		if got := h.secretIDs(); len(got) != 2 || got[0] != ids[0] || h.works(originalSecret) != nil {
			t.Errorf("the client holds %v, want the original %s and a new one", got, ids[0])
		}
	})
	// The check after a delete: AWSCURRENT names the wrong one of the two
	// secrets (a hand-made version), so the rule deletes its value; the
	// step stops with an error before adding anything.
	t.Run("a delete that took AWSCURRENT's secret", func(t *testing.T) {
		h := newHarness(t)
		h.rotateAll()
		cur := h.current()
		ids := h.secretIDs()
		cur["client_secret_id"] = ids[0] // the value is ids[1]'s
		h.makeCurrent(cur)
		err := h.step(rotatetest.Token(), rotate.StepCreate)
		if err == nil || !strings.Contains(err.Error(), "does not authenticate") || !strings.Contains(err.Error(), "nothing was added") {
			t.Errorf("createSecret: %v, want the failed check after the delete", err)
		}
		if got := h.secretIDs(); len(got) != 1 || got[0] != ids[0] {
			t.Errorf("the client holds %v, want only %s", got, ids[0])
		}
	})
}

// TestLogsHoldNoSecret: a rotation's log lines are JSON and hold neither
// client secret nor the cookie keys.
func TestLogsHoldNoSecret(t *testing.T) {
	h := newHarness(t)
	h.rotateAll()
	cur := h.current()
	logs := h.logs.String()
	if !strings.Contains(logs, `"step":"finishSecret"`) || !strings.Contains(logs, `"client_secret_id":"`) {
		t.Errorf("the logs do not say what happened:\n%s", logs)
	}
	for _, s := range []string{originalSecret, cur["client_secret"].(string), cookieKey, "older-cookie-key-0123456789abcdef0123"} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs hold a secret value (%.6s...)", s)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // "" entries: no error
	}{
		{"valid", map[string]string{"USER_POOL_ID": "us-east-1_AbC123", "COGNITO_DOMAIN": "https://x.auth.us-east-1.amazoncognito.com"}, nil},
		{"loopback http", map[string]string{"USER_POOL_ID": "us-east-1_localpool", "COGNITO_DOMAIN": "http://127.0.0.1:9229"}, nil},
		{"nothing set", map[string]string{}, []string{"USER_POOL_ID: is not set", "COGNITO_DOMAIN: is not set"}},
		{"bad values", map[string]string{"USER_POOL_ID": "not a pool", "COGNITO_DOMAIN": "http://example.com"}, []string{"USER_POOL_ID: ", "COGNITO_DOMAIN: must use https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := rotate.LoadConfig(func(k string) string { return tc.env[k] })
			if tc.want == nil {
				if err != nil || c.UserPoolID != tc.env["USER_POOL_ID"] {
					t.Errorf("LoadConfig: %+v, %v", c, err)
				}
				return
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not say %q", err, w)
				}
			}
		})
	}
}
