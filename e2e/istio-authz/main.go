// Command istio-authz prints what istiod would configure on a sidecar's inbound HTTP listener for
// one workload, computed by Istio's own code from AuthorizationPolicy and PeerAuthentication YAML:
// the RBAC HTTP filters (istiod's authz plugin over pilot/pkg/security/authz/builder, shadow rules
// for `istio.io/dry-run` policies included) and the downstream TLS context (istiod's authn plugin,
// from the PeerAuthentication mode). The end-to-end suite runs these in a real Envoy.
//
//	istio-authz -namespace payments -labels app=payment-service -port 8443 \
//	  -trust-domain prod.example.com policies.yaml [more.yaml ...]
//
// Output: one JSON object (protobuf messages as protojson, with their @type), see `result`.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"istio.io/istio/pilot/pkg/model"
	istionetworking "istio.io/istio/pilot/pkg/networking"
	"istio.io/istio/pilot/pkg/networking/core"
	authnplugin "istio.io/istio/pilot/pkg/networking/plugin/authn"
	authzplugin "istio.io/istio/pilot/pkg/networking/plugin/authz"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/log"
)

// result is what the command prints.
type result struct {
	// The policies Istio selected for the workload, "<namespace>/<name>", by action.
	Policies map[string][]string `json:"policies"`
	// The PeerAuthentication mode Istio resolved for the port (STRICT, PERMISSIVE, DISABLE).
	MtlsMode string `json:"mtlsMode"`
	// The HTTP filter chain's transport socket config (DownstreamTlsContext as an Any), or null
	// when the mode is not mutual TLS.
	DownstreamTLSContext json.RawMessage `json:"downstreamTlsContext"`
	// The HTTP filters of istiod's authz plugin for a sidecar's inbound listener (ALLOW/DENY/AUDIT
	// actions: envoy.filters.http.rbac), in order.
	HTTPFilters []json.RawMessage `json:"httpFilters"`
	// CUSTOM-action (ext_authz) filters: none expected; listed so a test can say so.
	CustomFilters []json.RawMessage `json:"customFilters"`
}

// failer satisfies Istio's test.Failer, which its in-memory environment (core.NewConfigGenTest:
// config store, service registries, mesh config, push context) takes; any failure ends the command.
type failer struct{ cleanups []func() }

func (f *failer) Fail()    { f.Fatal("failed") }
func (f *failer) FailNow() { f.Fatal("failed") }
func (f *failer) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"istio-authz:"}, args...)...)
	os.Exit(1)
}
func (f *failer) Fatalf(s string, args ...any) { f.Fatal(fmt.Sprintf(s, args...)) }
func (f *failer) Log(args ...any)              { fmt.Fprintln(os.Stderr, args...) }
func (f *failer) Logf(s string, args ...any)   { fmt.Fprintf(os.Stderr, s+"\n", args...) }
func (f *failer) Helper()                      {}
func (f *failer) Skip(args ...any)             { f.Fatal(append([]any{"skip:"}, args...)...) }
func (f *failer) Cleanup(fn func())            { f.cleanups = append(f.cleanups, fn) }
func (f *failer) TempDir() string {
	d, err := os.MkdirTemp("", "istio-authz-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

func (f *failer) done() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

var marshal = protojson.MarshalOptions{UseProtoNames: true}

func toJSON(f *failer, m proto.Message) json.RawMessage {
	b, err := marshal.Marshal(m)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func main() {
	namespace := flag.String("namespace", "", "the workload's namespace")
	labelList := flag.String("labels", "", "the workload's pod labels, k=v,k=v")
	port := flag.Uint("port", 0, "the workload's (container) port the listener serves")
	trustDomain := flag.String("trust-domain", "cluster.local", "meshConfig.trustDomain (must equal SPIRE's trust domain)")
	aliases := flag.String("trust-domain-aliases", "", "meshConfig.trustDomainAliases, comma-separated")
	flag.Parse()
	f := &failer{}
	defer f.done()
	// Istio's logs to stderr (stdout is the result): warnings and errors, and the authz builder's
	// own account of what it built (its "authorization" scope at debug).
	lo := log.DefaultOptions()
	lo.OutputPaths = []string{"stderr"}
	lo.SetDefaultOutputLevel(log.OverrideScopeName, log.WarnLevel)
	lo.SetDefaultOutputLevel("authorization", log.DebugLevel)
	if err := log.Configure(lo); err != nil {
		f.Fatal(err)
	}
	if *namespace == "" || *labelList == "" || *port == 0 || flag.NArg() == 0 {
		f.Fatal("usage: istio-authz -namespace NS -labels k=v[,k=v] -port N [-trust-domain TD] FILE.yaml...")
	}
	labels := map[string]string{}
	for _, kv := range strings.Split(*labelList, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			f.Fatalf("bad label %q", kv)
		}
		labels[k] = v
	}
	var docs []string
	for _, file := range flag.Args() {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		docs = append(docs, string(b))
	}

	m := mesh.DefaultMeshConfig()
	m.TrustDomain = *trustDomain
	if *aliases != "" {
		m.TrustDomainAliases = strings.Split(*aliases, ",")
	}
	// The YAML goes through Istio's own CRD parsing and validation (crd.ParseInputs).
	cg := core.NewConfigGenTest(f, core.TestOptions{ConfigString: strings.Join(docs, "\n---\n"), MeshConfig: m})
	proxy := cg.SetupProxy(&model.Proxy{
		Type:            model.SidecarProxy,
		ID:              "e2e." + *namespace,
		ConfigNamespace: *namespace,
		Labels:          labels,
		Metadata:        &model.NodeMetadata{Namespace: *namespace, Labels: labels, IstioVersion: "1.31.0"},
	})
	push := cg.PushContext()

	res := result{Policies: map[string][]string{}, HTTPFilters: []json.RawMessage{}, CustomFilters: []json.RawMessage{}}
	selected := push.AuthzPolicies.ListAuthorizationPolicies(model.PolicyMatcherForProxy(proxy).WithRootNamespace(push.AuthzPolicies.RootNamespace))
	for action, ps := range map[string][]model.AuthorizationPolicy{"ALLOW": selected.Allow, "DENY": selected.Deny, "AUDIT": selected.Audit, "CUSTOM": selected.Custom} {
		names := []string{}
		for _, p := range ps {
			names = append(names, p.Namespace+"/"+p.Name)
		}
		sort.Strings(names)
		res.Policies[action] = names
	}

	// As the sidecar listener builder does (pilot/pkg/networking/core/listener_builder.go):
	// authz.NewBuilder(authz.Local / authz.Custom, push, node, node.Type == model.Waypoint),
	// then BuildHTTP for the inbound class; authn.NewBuilder(push, node).ForPort(port).
	useFilterState := proxy.Type == model.Waypoint
	for _, hf := range authzplugin.NewBuilder(authzplugin.Local, push, proxy, useFilterState).BuildHTTP(istionetworking.ListenerClassSidecarInbound) {
		res.HTTPFilters = append(res.HTTPFilters, toJSON(f, hf))
	}
	for _, hf := range authzplugin.NewBuilder(authzplugin.Custom, push, proxy, useFilterState).BuildHTTP(istionetworking.ListenerClassSidecarInbound) {
		res.CustomFilters = append(res.CustomFilters, toJSON(f, hf))
	}
	mtls := authnplugin.NewBuilder(push, proxy).ForPort(uint32(*port))
	res.MtlsMode = mtls.Mode.String()
	if mtls.HTTP != nil {
		a, err := anypb.New(mtls.HTTP)
		if err != nil {
			f.Fatal(err)
		}
		res.DownstreamTLSContext = toJSON(f, a)
	} else {
		res.DownstreamTLSContext = json.RawMessage("null")
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	fmt.Println(string(out))
}
