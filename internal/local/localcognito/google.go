package localcognito

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// GoogleProvider is the identity provider name the local pool federates
// when EnableGoogle was called, as template.yaml names Google's.
const GoogleProvider = "Google"

// googlePage is the local stand-in for Google's sign-in page.
var googlePage = parsePage("assets/google.html")

// federation holds the pool's federated sign-in state (guarded by
// Server.mu).
type federation struct {
	google bool
	users  map[string]*federatedUser // by sub
}

// federatedUser is what Cognito keeps of a user who signed in through
// Google: its own username, and the identity it links to.
type federatedUser struct {
	username string // google_<userID>
	userID   string // Google's subject
	name     string
	created  time.Time
}

// EnableGoogle makes the pool federate a local stand-in for Google, as a
// pool with a Google identity provider would: identity_provider=Google on
// /oauth2/authorize, and the sign-in page's "Continue with Google", go to
// /local-google/signin, a page that says plainly it is not Google. Who
// signs in there becomes (or is again) a federated user: username
// google_<Google user id> (Cognito's lower-case form in a pool with
// case-insensitive usernames), in the group <pool id>_Google, with an
// identities claim in the ID token as Cognito issues it. Call it before
// serving.
func (s *Server) EnableGoogle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fed.google {
		return
	}
	s.fed.google = true
	s.fed.users = map[string]*federatedUser{}
	s.mux.HandleFunc("GET /local-google/signin", s.handleGooglePage)
	s.mux.HandleFunc("POST /local-google/signin", s.handleGoogleSubmit)
}

// federates reports whether identity_provider may name idp.
func (s *Server) federates(idp string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return idp == GoogleProvider && s.fed.google
}

// toProvider sends an authorization request that names Google to the
// stand-in's page, as Cognito sends it to Google. It reports whether it
// did.
func (s *Server) toProvider(w http.ResponseWriter, r *http.Request, req authRequest) bool {
	if req.params.Get("identity_provider") != GoogleProvider || !s.federates(GoogleProvider) {
		return false
	}
	http.Redirect(w, r, s.domain+"/local-google/signin?"+req.params.Encode(), http.StatusFound)
	return true
}

// googleURL is the sign-in page's "Continue with Google" link, or "" when
// Google is not federated.
func (s *Server) googleURL(req authRequest) string {
	if !s.federates(GoogleProvider) {
		return ""
	}
	q := url.Values{}
	for k, v := range req.params {
		q[k] = v
	}
	q.Set("identity_provider", GoogleProvider)
	return "/oauth2/authorize?" + q.Encode()
}

func (s *Server) handleGooglePage(w http.ResponseWriter, r *http.Request) {
	req, aerr := s.parseAuthorize(r.URL.Query())
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return
	}
	s.renderGoogle(w, http.StatusOK, req, "", "")
}

func (s *Server) renderGoogle(w http.ResponseWriter, status int, req authRequest, email, msg string) {
	s.render(w, status, googlePage, pageData{
		Title: "Local stand-in for Google sign-in", ClientID: req.clientID, Hidden: hiddenFields(req),
		Email: email, Error: msg,
		CancelURL: template.URL(errorRedirect(req, "access_denied", "The user cancelled the sign-in.")),
	}, req.redirectURI, s.frontEnds(req.clientID)...)
}

// handleGoogleSubmit signs the "Google" user in: it finds or creates the
// federated user for the email address and returns a code to the client,
// standing in for Google's answer and Cognito's /oauth2/idpresponse.
func (s *Server) handleGoogleSubmit(w http.ResponseWriter, r *http.Request) {
	form, req, ok := s.readAuthorizeForm(w, r)
	if !ok {
		return
	}
	email, err := checkEmail(form.Get("email"))
	if err != nil {
		s.renderGoogle(w, http.StatusBadRequest, req, form.Get("email"), msgInvalidEmail)
		return
	}
	sub, err := s.googleUser(email, strings.TrimSpace(form.Get("name")))
	if err != nil {
		s.log.Warn("federated user not created", "err", err)
		http.Redirect(w, r, errorRedirect(req, "server_error", "The user pool cannot sign you in now."), http.StatusFound)
		return
	}
	s.log.Info("signed in through the Google stand-in", "client_id", req.clientID, "sub", sub)
	s.signIn(w, r, req, sub)
}

// googleUserID is the stand-in's Google subject for an email address: 21
// digits, as Google's are, stable for the life of the Server.
func (s *Server) googleUserID(email string) string {
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte("google\x00" + strings.ToLower(email)))
	sum := m.Sum(nil)
	n := binary.BigEndian.Uint64(sum) % 1e19
	return "10" + fmt.Sprintf("%019d", n)
}

// googleUser returns the sub of the federated user for email, creating it
// on its first sign-in. Its users entry is keyed by username, so it never
// collides with (or signs in as) a password user of the same email.
func (s *Server) googleUser(email, name string) (string, error) {
	userID := s.googleUserID(email)
	username := "google_" + userID
	s.mu.Lock()
	if u, ok := s.users[username]; ok {
		if f := s.fed.users[u.sub]; f != nil && name != "" {
			f.name = name
		}
		s.mu.Unlock()
		return u.sub, nil
	}
	s.mu.Unlock()
	sub, err := newUUID()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[username]; ok { // created meanwhile
		return u.sub, nil
	}
	u := &user{sub: sub, email: email} // no password: it cannot sign in with one
	s.users[username], s.bySub[sub] = u, u
	s.fed.users[sub] = &federatedUser{username: username, userID: userID, name: name, created: s.now()}
	return sub, nil
}

// withFederated adds to a token's claims what Cognito gives a federated
// user: its username, its groups (<pool id>_Google), and in the ID token
// the identities claim and the mapped name. Other users' claims are
// returned unchanged.
func (s *Server) withFederated(sub, tokenUse string, claims map[string]any) map[string]any {
	s.mu.Lock()
	f := s.fed.users[sub]
	var fu federatedUser
	if f != nil {
		fu = *f
	}
	s.mu.Unlock()
	if f == nil {
		return claims
	}
	claims["cognito:groups"] = []string{s.poolID + "_" + GoogleProvider}
	if tokenUse == "access" {
		claims["username"] = fu.username
		return claims
	}
	claims["cognito:username"] = fu.username
	if fu.name != "" {
		claims["name"] = fu.name
	}
	claims["identities"] = fu.identities()
	return claims
}

// identities is the user's identities claim. As in Cognito's ID tokens:
// primary and dateCreated are strings, issuer is null for a social
// provider.
func (fu federatedUser) identities() []map[string]any {
	return []map[string]any{{
		"userId": fu.userID, "providerName": GoogleProvider, "providerType": GoogleProvider,
		"issuer": nil, "primary": "true", "dateCreated": strconv.FormatInt(fu.created.UnixMilli(), 10),
	}}
}
