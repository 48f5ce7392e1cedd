// Package redistest starts a real redis-server for a test: on 127.0.0.1,
// on a port the OS found free, without persistence, stopped when the test
// ends.
package redistest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	t        testing.TB
	Port     int
	URL      string // redis://127.0.0.1:PORT/0
	Password string // required of clients, when set (StartWithPassword)
	tls      *TLS   // serve TLS only, when set (StartTLS)
	cmd      *exec.Cmd
	out      *bytes.Buffer
}

// Start starts a redis-server; where none is installed the test is
// skipped saying so, but in CI (CI set) it fails: CI installs it.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWithPassword(t, "")
}

// StartWithPassword is Start for a server that requires a password
// (requirepass); "" requires none.
func StartWithPassword(t testing.TB, password string) *Server {
	t.Helper()
	return start(t, password, nil)
}

// TLS is what a server speaking TLS only needs: its certificate and key,
// and the CA that signed them (PEM files).
type TLS struct{ Cert, Key, CA string }

// StartTLS is Start for a server that speaks TLS only; its URL is
// rediss://127.0.0.1:PORT/0.
func StartTLS(t testing.TB, files TLS) *Server {
	t.Helper()
	return start(t, "", &files)
}

func start(t testing.TB, password string, tlsFiles *TLS) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not installed, and CI installs it (.ci/run: apt-get install redis-server): %v", err)
		}
		t.Skip("redis-server is not installed here (apt-get install redis-server); CI runs this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s := &Server{t: t, Port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), Password: password, tls: tlsFiles}
	if tlsFiles != nil {
		s.URL = fmt.Sprintf("rediss://127.0.0.1:%d/0", port)
	}
	s.start(bin)
	t.Cleanup(s.Kill)
	return s
}

func (s *Server) start(bin string) {
	s.t.Helper()
	s.out = &bytes.Buffer{}
	args := []string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning"}
	var tlsConfig *tls.Config
	if s.tls != nil {
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(s.Port), "--tls-cert-file", s.tls.Cert,
			"--tls-key-file", s.tls.Key, "--tls-ca-cert-file", s.tls.CA, "--tls-auth-clients", "no")
		pool := x509.NewCertPool()
		ca, err := os.ReadFile(s.tls.CA)
		if err != nil || !pool.AppendCertsFromPEM(ca) {
			s.t.Fatalf("the CA %s: %v", s.tls.CA, err)
		}
		tlsConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	if s.Password != "" {
		args = append(args, "--requirepass", s.Password)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port), Password: s.Password, MaxRetries: -1, TLSConfig: tlsConfig})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.Kill()
			s.t.Fatalf("redis-server on port %d did not answer in 10s: %v\n%s", s.Port, err, s.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL): what a lost store looks like.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on its port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	bin, _ := exec.LookPath("redis-server")
	s.start(bin)
}

// TLSFiles makes a CA and a certificate for 127.0.0.1 signed by it, as PEM
// files in a directory of the test's.
func TLSFiles(t testing.TB) TLS {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "redistest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return TLS{Cert: write("cert.pem", "CERTIFICATE", der), Key: write("key.pem", "PRIVATE KEY", keyDER), CA: write("ca.pem", "CERTIFICATE", caDER)}
}
