// Package certs makes a stack's TLS material: a local CA, kept in a
// directory so clients trust it across restarts, and a server certificate
// it signs for the loopback names only.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CAFile is the name of the CA certificate written into the TLS directory.
const CAFile = "ca.pem"

// caKeyFile keeps the CA's key beside it, so a restart reuses the CA that
// clients were told to trust.
const caKeyFile = "ca-key.pem"

// caLifetime is how long a CA lives: a year, then a new one is made (a
// key that leaks signs for a year at most, and only for loopback names).
const caLifetime = 365 * 24 * time.Hour

// Loopback is all the CA may vouch for (its name constraints), and all the
// server certificate names.
var (
	loopbackNames  = []string{"localhost"}
	loopbackRanges = []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
)

// Certs is the TLS material of a stack: a CA and a server certificate it
// signed for localhost, 127.0.0.1 and ::1.
type Certs struct {
	CAPEM  []byte
	Pool   *x509.CertPool
	Server tls.Certificate
}

// Make loads the CA from dir (or creates it, writing it there when dir is
// set) and issues a fresh server certificate.
func Make(dir string) (*Certs, error) {
	caCert, caKey, caPEM, err := loadCA(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errCAExpired) {
		caCert, caKey, caPEM, err = newCA(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "mockauth"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     serverNotAfter(now, caCert),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &Certs{
		CAPEM:  caPEM,
		Pool:   pool,
		Server: tls.Certificate{Certificate: [][]byte{der, caCert.Raw}, PrivateKey: key},
	}, nil
}

// serverNotAfter is 90 days on, or the CA's end if sooner.
func serverNotAfter(now time.Time, ca *x509.Certificate) time.Time {
	if end := now.Add(90 * 24 * time.Hour); end.Before(ca.NotAfter) {
		return end
	}
	return ca.NotAfter
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	if dir == "" {
		return nil, nil, nil, fs.ErrNotExist
	}
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o022 != 0 {
		// Another user could put a CA of theirs in place of ours, and our
		// clients would trust it (issue 31, N17).
		return nil, nil, nil, fmt.Errorf("--tls-dir %s can be written by other users (mode %v): whoever writes there gives your clients a CA to trust; chmod go-w %s", dir, st.Mode().Perm(), dir)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, nil, nil, err
	}
	keyPath := filepath.Join(dir, caKeyFile)
	st, err := os.Stat(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, nil, nil, fmt.Errorf("%s is readable by others (mode %v): whoever reads it signs certificates your clients trust; chmod 600 it, or delete %s and %s for a new CA", keyPath, st.Mode().Perm(), CAFile, caKeyFile)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, nil, fmt.Errorf("%s or %s in %s is not PEM; delete both to make a new CA", CAFile, caKeyFile, dir)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, err
	}
	if !cert.PermittedDNSDomainsCritical || len(cert.PermittedIPRanges) == 0 {
		return nil, nil, nil, fmt.Errorf("the CA in %s vouches for any name (an older mockauth made it): delete %s and %s for a CA limited to loopback", dir, CAFile, caKeyFile)
	}
	if time.Now().Add(24 * time.Hour).After(cert.NotAfter) {
		return nil, nil, nil, errCAExpired
	}
	return cert, key, certPEM, nil
}

// errCAExpired is a CA at the end of its life: a new one is made.
var errCAExpired = errors.New("the CA expires within a day")

func newCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "mockauth local CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		// Name constraints: even a leaked key signs nothing but loopback.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         loopbackNames,
		PermittedIPRanges:           loopbackRanges,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if dir != "" {
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, caKeyFile), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return nil, nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, CAFile), certPEM, 0o644); err != nil {
			return nil, nil, nil, err
		}
	}
	return cert, key, certPEM, nil
}
