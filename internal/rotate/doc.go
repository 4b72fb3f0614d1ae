// Package rotate is the Secrets Manager rotation function of the app
// client's secret: Secrets Manager's four steps (createSecret, setSecret,
// testSecret, finishSecret) for a secret whose SecretString is the runtime
// contract's JSON, against a Cognito app client that holds up to two
// client secrets at once.
//
// How one rotation changes things, when it starts with AWSCURRENT holding
// secret B and the app client holding A (the one before) and B:
//
//   - createSecret deletes A from the app client (the client holds two at
//     most, and A is no longer in any version anyone reads), adds a new
//     secret C with a value generated here, and puts C, with its
//     client_secret_id, into the AWSPENDING version. Every other field of
//     AWSCURRENT (cookie_key and whatever later fields hold) is copied
//     unchanged.
//   - setSecret only checks that C is in the app client: Cognito changed in
//     createSecret, where the new secret's id had to be known before the
//     version could be written (versions cannot be changed once put).
//   - testSecret proves C at /oauth2/token without spending anyone's code: a
//     refresh_token grant with a made-up token is invalid_grant when the
//     client authenticated and invalid_client when it did not.
//   - finishSecret moves AWSCURRENT to the new version (Secrets Manager puts
//     AWSPREVIOUS on the old one).
//
// Afterwards the client holds B and C: an execution environment that still
// caches B keeps signing users in until its cache expires, and B goes when
// the next rotation starts (its createSecret, even if that rotation then
// fails): a roll back to AWSPREVIOUS works until then. Sign-ins that meet a deleted secret anyway (two
// rotations minutes apart) are covered by the callback's one retry on
// invalid_client with the secret read afresh (package signin).
//
// Every step is safe to run again after a crash: createSecret returns when
// the version already holds a new secret, and otherwise deletes the one
// secret that is not current before adding, so a secret added by an attempt
// that died before PutSecretValue is deleted by the next one, and the client
// never holds more than two. The version and its staging labels are checked
// first, as Secrets Manager's rotation templates do.
//
// createSecret deletes only what is certainly not AWSCURRENT's secret
// (currentSecretID): AWSCURRENT's client_secret_id names the current one.
// Without it (the secret CloudFormation wrote has none) the current one is
// known only when the client holds one secret, or when AWSPREVIOUS holds the
// same value with an id; otherwise createSecret deletes nothing and fails,
// naming both secrets and what to do. So a first rotation that died between
// adding its secret and writing its version waits for the operator to
// delete that secret. After a delete, AWSCURRENT's secret is proved at the
// token endpoint before anything is added, so a mistake is loud.
//
// Values are never logged: only step, secret and version ids, and the ids
// of client secrets (<client id>--<creation time>), which are not secret.
package rotate
