package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// authority is a throwaway certificate authority and the one server
// certificate it signed, for 127.0.0.1 and localhost. The functions trust
// it through SSL_CERT_FILE (Go's roots) and AWS_CA_BUNDLE (the AWS SDK),
// both pointing at the PEM file of the authority alone.
type authority struct {
	file string // the CA certificate, PEM
	cert tls.Certificate
}

func newAuthority(dir string) (*authority, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "perf throwaway CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		return nil, err
	}
	return &authority{file: file, cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}, nil
}

// terminator accepts TLS (1.3, HTTP/1.1 only: no ALPN) on a loopback port
// and passes the plaintext on to a plain HTTP service, so a service that
// speaks only http (moto_server, an httptest server) is reached over
// HTTPS, its handshakes included.
type terminator struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
}

func newTerminator(a *authority, target string) (*terminator, error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{a.cert}, MinVersion: tls.VersionTLS13,
	})
	if err != nil {
		return nil, err
	}
	t := &terminator{ln: ln, target: target}
	t.wg.Add(1)
	go t.serve()
	return t, nil
}

func (t *terminator) Addr() string { return t.ln.Addr().String() }

func (t *terminator) Close() { t.ln.Close(); t.wg.Wait() }

func (t *terminator) serve() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", t.target)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(up, c)
				_ = up.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			_, _ = io.Copy(c, up)
			_ = c.(*tls.Conn).CloseWrite()
			<-done
		}()
	}
}
