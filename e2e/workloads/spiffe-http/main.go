// Command spiffe-http is the end-to-end suite's test workload, and an example of authorizing in
// code with the allowlist spire-constructs generates (`<callee>-allowed-callers` ConfigMap,
// key `allowed-callers.json`), with go-spiffe v2:
//
//	spiffe-http serve -addr HOST:PORT -allowlist allowed-callers.json
//	spiffe-http call  -url https://HOST:PORT/path -method POST -server-id spiffe://td/ns/n/sa/s
//	spiffe-http load  -url ... -server-id ... -duration 3m -interval 100ms
//
// The X.509-SVID and trust bundle come from the SPIFFE Workload API (SPIFFE_ENDPOINT_SOCKET) and
// rotate without a restart. `serve` requires a client certificate that chains to the trust bundle
// (mTLS), then allows a request only when a rule of the allowlist names its method, path, the
// port it arrived on and the caller's SPIFFE ID; everything else gets 403.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// Allowlist is the generated allowed-callers.json (the fields this workload uses).
type Allowlist struct {
	Callee               string   `json:"callee"`
	Rules                []Rule   `json:"rules"`
	UnauthenticatedPaths []string `json:"unauthenticatedPaths"`
}

// Rule allows its callers to call its methods on its paths and ports. "*" matches anything; a
// path ending in "*" matches by prefix, one starting with "*" by suffix.
type Rule struct {
	Methods []string `json:"methods"`
	Paths   []string `json:"paths"`
	Ports   []int    `json:"ports"`
	Callers []string `json:"callers"`
}

func matchPath(pattern, path string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(path, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(path, strings.TrimPrefix(pattern, "*"))
	default:
		return pattern == path
	}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Allows reports whether caller may call method path on port.
func (a *Allowlist) Allows(caller spiffeid.ID, method, path string, port int) bool {
	for _, r := range a.Rules {
		if !contains(r.Callers, caller.String()) {
			continue
		}
		if !contains(r.Methods, "*") && !contains(r.Methods, method) {
			continue
		}
		if len(r.Ports) > 0 && !contains(r.Ports, port) {
			continue
		}
		for _, p := range r.Paths {
			if matchPath(p, path) {
				return true
			}
		}
	}
	return false
}

func x509Source(ctx context.Context) *workloadapi.X509Source {
	source, err := workloadapi.NewX509Source(ctx) // SPIFFE_ENDPOINT_SOCKET
	if err != nil {
		log.Fatalf("no X.509-SVID from the Workload API: %v", err)
	}
	return source
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "listen address")
	allowlistFile := fs.String("allowlist", "allowed-callers.json", "the generated allowed-callers.json")
	_ = fs.Parse(args)

	raw, err := os.ReadFile(*allowlistFile)
	if err != nil {
		log.Fatal(err)
	}
	var allowlist Allowlist
	if err := json.Unmarshal(raw, &allowlist); err != nil {
		log.Fatalf("%s: %v", *allowlistFile, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	source := x509Source(ctx)
	defer source.Close()
	self, _ := source.GetX509SVID()
	if self.ID.String() != allowlist.Callee {
		log.Fatalf("this workload is %s, but the allowlist is for %s", self.ID, allowlist.Callee)
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, portStr, _ := net.SplitHostPort(r.Context().Value(http.LocalAddrContextKey).(net.Addr).String())
		port, _ := strconv.Atoi(portStr)
		caller, err := x509svid.IDFromCert(r.TLS.PeerCertificates[0])
		switch {
		case err != nil:
			http.Error(w, "caller has no SPIFFE ID", http.StatusForbidden)
		case contains(allowlist.UnauthenticatedPaths, r.URL.Path) || allowlist.Allows(caller, r.Method, r.URL.Path, port):
			fmt.Fprintf(w, "%s %s allowed for %s\n", r.Method, r.URL.Path, caller)
		default:
			http.Error(w, fmt.Sprintf("%s %s not allowed for %s", r.Method, r.URL.Path, caller), http.StatusForbidden)
		}
	})
	// Chain to the trust bundle and a SPIFFE ID in the handshake; authorization per request above.
	server := &http.Server{Addr: *addr, Handler: handler, TLSConfig: tlsconfig.MTLSServerConfig(source, source, tlsconfig.AuthorizeAny()),
		ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(os.Stderr, "http: ", 0)}
	go func() { <-ctx.Done(); _ = server.Close() }()
	log.Printf("serving %s as %s", *addr, self.ID)
	if err := server.ListenAndServeTLS("", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

type clientFlags struct {
	url, method, serverID, certFile, keyFile, bundleFile *string
	noCert                                               *bool
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		url:        fs.String("url", "", "https URL to call"),
		method:     fs.String("method", "GET", "HTTP method"),
		serverID:   fs.String("server-id", "", "the SPIFFE ID the server must present"),
		certFile:   fs.String("cert", "", "present this certificate (PEM) instead of the Workload API's SVID"),
		keyFile:    fs.String("key", "", "key of -cert (PEM)"),
		bundleFile: fs.String("bundle", "", "with -cert or -no-cert: trust bundle (PEM) for the server"),
		noCert:     fs.Bool("no-cert", false, "present no client certificate"),
	}
}

// serials records the serial numbers of the client certificates presented.
type serials struct {
	mu   sync.Mutex
	last string
}

func (s *serials) set(v string) { s.mu.Lock(); s.last = v; s.mu.Unlock() }
func (s *serials) get() string  { s.mu.Lock(); defer s.mu.Unlock(); return s.last }

func client(ctx context.Context, f clientFlags, presented *serials) (*http.Client, func()) {
	serverID, err := spiffeid.FromString(*f.serverID)
	if err != nil {
		log.Fatalf("-server-id: %v", err)
	}
	var cfg *tls.Config
	closer := func() {}
	if *f.certFile != "" || *f.noCert {
		bundle, err := x509bundle.Load(serverID.TrustDomain(), *f.bundleFile)
		if err != nil {
			log.Fatalf("-bundle: %v", err)
		}
		if *f.noCert {
			cfg = tlsconfig.TLSClientConfig(bundle, tlsconfig.AuthorizeID(serverID))
		} else {
			svid, err := x509svid.Load(*f.certFile, *f.keyFile)
			if err != nil {
				log.Fatalf("-cert: %v", err)
			}
			cfg = tlsconfig.MTLSClientConfig(svid, bundle, tlsconfig.AuthorizeID(serverID))
		}
	} else {
		source := x509Source(ctx)
		closer = func() { source.Close() }
		cfg = tlsconfig.MTLSClientConfig(source, source, tlsconfig.AuthorizeID(serverID))
	}
	if get := cfg.GetClientCertificate; get != nil && presented != nil {
		cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c, err := get(cri)
			if err == nil && len(c.Certificate) > 0 {
				if leaf, perr := x509.ParseCertificate(c.Certificate[0]); perr == nil {
					presented.set(fmt.Sprintf("%X", leaf.SerialNumber))
				}
			}
			return c, err
		}
	}
	// A handshake per request, so that each request shows the certificates in use at that moment.
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}, closer
}

func do(c *http.Client, method, url string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(""))
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, strings.TrimSpace(string(body)), nil
}

// call prints "<status> <body>" and exits 0 when the server answered; 3 when the connection or
// handshake failed (the error on stderr).
func call(args []string) {
	fs := flag.NewFlagSet("call", flag.ExitOnError)
	f := addClientFlags(fs)
	_ = fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, closer := client(ctx, f, nil)
	defer closer()
	resp, body, err := do(c, *f.method, *f.url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Printf("%d %s\n", resp.StatusCode, body)
}

type loadSummary struct {
	Requests      int      `json:"requests"`
	Failures      int      `json:"failures"`
	FirstFailures []string `json:"firstFailures"`
	ClientSerials []string `json:"clientSerials"`
	ServerSerials []string `json:"serverSerials"`
	Seconds       float64  `json:"seconds"`
}

// load sends requests back to back (each with a new handshake) for -duration, or until SIGTERM,
// and prints a JSON summary: counts, the first failures, and every serial number seen in use.
func load(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	f := addClientFlags(fs)
	duration := fs.Duration("duration", time.Minute, "how long to send requests (bounded)")
	interval := fs.Duration("interval", 50*time.Millisecond, "pause between requests")
	_ = fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	presented := &serials{}
	c, closer := client(ctx, f, presented)
	defer closer()
	sum := loadSummary{}
	seenClient, seenServer := map[string]bool{}, map[string]bool{}
	start := time.Now()
	for time.Since(start) < *duration && ctx.Err() == nil {
		sum.Requests++
		resp, body, err := do(c, *f.method, *f.url)
		switch {
		case err != nil:
			sum.Failures++
			if len(sum.FirstFailures) < 10 {
				sum.FirstFailures = append(sum.FirstFailures, fmt.Sprintf("%s: %v", time.Now().UTC().Format(time.RFC3339Nano), err))
			}
		case resp.StatusCode != http.StatusOK:
			sum.Failures++
			if len(sum.FirstFailures) < 10 {
				sum.FirstFailures = append(sum.FirstFailures, fmt.Sprintf("%s: %d %s", time.Now().UTC().Format(time.RFC3339Nano), resp.StatusCode, body))
			}
		default:
			if s := fmt.Sprintf("%X", resp.TLS.PeerCertificates[0].SerialNumber); !seenServer[s] {
				seenServer[s] = true
				sum.ServerSerials = append(sum.ServerSerials, s)
				log.Printf("server certificate serial %s", s)
			}
			if s := presented.get(); s != "" && !seenClient[s] {
				seenClient[s] = true
				sum.ClientSerials = append(sum.ClientSerials, s)
				log.Printf("client certificate serial %s", s)
			}
		}
		time.Sleep(*interval)
	}
	sum.Seconds = time.Since(start).Seconds()
	out, _ := json.Marshal(sum)
	fmt.Println(string(out))
}

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: spiffe-http serve|call|load [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "call":
		call(os.Args[2:])
	case "load":
		load(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}
