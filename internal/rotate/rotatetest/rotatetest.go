// Package rotatetest drives the rotation steps the way Secrets Manager
// does, against moto_server, for tests of internal/rotate and of the built
// functions/rotate.
//
// moto_server keeps versions and staging labels like Secrets Manager, but
// it cannot invoke a rotation function it did not deploy, and it cannot
// make the empty AWSPENDING version Secrets Manager makes before
// createSecret. So rotation is turned on with RotateSecret without a
// function (EnableRotation), and each rotation starts with a fresh token
// that names no version yet, which createSecret accepts for that reason
// with rotate.Options.AllowUnknownToken (the built function sets it).
package rotatetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Steps are the rotation steps in Secrets Manager's order.
var Steps = []string{"createSecret", "setSecret", "testSecret", "finishSecret"}

// EnableRotation turns rotation on for the secret id (a 30-day schedule)
// without rotating: moto_server then copies the current value into a new
// version and makes it AWSCURRENT, so the value is unchanged. It fails the
// test if the value changed or rotation is still off.
func EnableRotation(t testing.TB, sm *secretsmanager.Client, id string) {
	t.Helper()
	ctx := context.Background()
	before := Value(t, sm, id, "AWSCURRENT")
	if _, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
		SecretId:          aws.String(id),
		RotationRules:     &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
		RotateImmediately: aws.Bool(false),
	}); err != nil {
		t.Fatalf("enable rotation: %v", err)
	}
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil || !aws.ToBool(d.RotationEnabled) {
		t.Fatalf("rotation is not enabled on %s: %v", id, err)
	}
	if after := Value(t, sm, id, "AWSCURRENT"); after != before {
		t.Fatalf("enabling rotation changed the secret's value")
	}
}

// Token returns a new ClientRequestToken: a random UUID, as RotateSecret
// makes.
func Token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Value returns the SecretString of the version with the staging label.
func Value(t testing.TB, sm *secretsmanager.Client, id, stage string) string {
	t.Helper()
	out, err := sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)})
	if err != nil {
		t.Fatalf("get %s of %s: %v", stage, id, err)
	}
	return aws.ToString(out.SecretString)
}

// VersionWith returns the id of the version with the staging label, or "".
func VersionWith(t testing.TB, sm *secretsmanager.Client, id, stage string) string {
	t.Helper()
	d, err := sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	for v, st := range d.VersionIdsToStages {
		if slices.Contains(st, stage) {
			return v
		}
	}
	return ""
}
