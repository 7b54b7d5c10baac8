// Command cilium-policy runs Cilium's own policy code on generated NetworkPolicies and
// CiliumNetworkPolicies (github.com/cilium/cilium at the version of e2e/components.json):
//
//   - each CiliumNetworkPolicy goes through the agent's path (CiliumNetworkPolicy.Parse: Sanitize,
//     then the k8s-to-api.Rule translation, then RulesToPolicyEntries), each NetworkPolicy through
//     k8s.ParseNetworkPolicy; any error, any warning Cilium logs while doing so, and any field
//     Cilium's types do not know (which it would drop silently) fail the run;
//   - the policy entries are loaded into Cilium's policy repository (pkg/policy) and, for each
//     flow asked, policy.LookupFlow computes the egress verdict of the source and the ingress
//     verdict of the destination, with identities built the agent's way: pods' labels through
//     k8s.GetPodMetadata and labelsfilter.Filter, reserved identities (kube-apiserver, host,
//     world, ...) as Cilium defines them.
//
// Usage: cilium-policy input.json. The input: {"clusterName", "policies": [objects],
// "namespaces": [Namespace objects], "endpoints": [{"name", "pod": Pod} | {"name", "entity"}],
// "flows": [{"from", "to", "protocol", "port"}]}. The output (stdout, JSON): what each policy
// became and each flow's verdicts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	"github.com/cilium/cilium/pkg/k8s"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slim_corev1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/core/v1"
	slim_networkingv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/networking/v1"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	policyutils "github.com/cilium/cilium/pkg/policy/utils"
	testidentity "github.com/cilium/cilium/pkg/testutils/identity"
	testpolicy "github.com/cilium/cilium/pkg/testutils/policy"
	"github.com/cilium/cilium/pkg/u8proto"
)

type endpoint struct {
	Name   string          `json:"name"`
	Pod    json.RawMessage `json:"pod,omitempty"`
	Entity string          `json:"entity,omitempty"`
}

type flow struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Protocol string `json:"protocol"`
	Port     uint16 `json:"port"`
}

type input struct {
	ClusterName string            `json:"clusterName"`
	Policies    []json.RawMessage `json:"policies"`
	Namespaces  []json.RawMessage `json:"namespaces"`
	Endpoints   []endpoint        `json:"endpoints"`
	Flows       []flow            `json:"flows"`
}

type policyResult struct {
	Object  string `json:"object"`
	Entries int    `json:"entries"`
	Ingress int    `json:"ingress"`
	Egress  int    `json:"egress"`
	// The policy entries as Cilium holds them (its own JSON).
	Rules json.RawMessage `json:"rules"`
}

type endpointResult struct {
	ID     uint32   `json:"id"`
	Labels []string `json:"labels"`
}

type flowResult struct {
	flow
	Egress  string `json:"egress"`
	Ingress string `json:"ingress"`
	Allowed bool   `json:"allowed"`
}

type output struct {
	Policies  []policyResult            `json:"policies"`
	Endpoints map[string]endpointResult `json:"endpoints"`
	Flows     []flowResult              `json:"flows"`
}

// warnings records what Cilium logs at Warn or above: a rule Cilium changes or drops says so there.
type warnings struct {
	mu    sync.Mutex
	lines []string
	next  slog.Handler
}

func (w *warnings) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (w *warnings) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		w.mu.Lock()
		w.lines = append(w.lines, b.String())
		w.mu.Unlock()
	}
	if w.next.Enabled(ctx, r.Level) {
		return w.next.Handle(ctx, r)
	}
	return nil
}
func (w *warnings) WithAttrs(as []slog.Attr) slog.Handler { return &attrs{w, as} }
func (w *warnings) WithGroup(string) slog.Handler         { return w }

type attrs struct {
	w  *warnings
	as []slog.Attr
}

func (a *attrs) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (a *attrs) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(a.as...)
	return a.w.Handle(ctx, r)
}
func (a *attrs) WithAttrs(as []slog.Attr) slog.Handler {
	return &attrs{a.w, append(append([]slog.Attr{}, a.as...), as...)}
}
func (a *attrs) WithGroup(string) slog.Handler { return a }

// strict decodes JSON refusing fields the target type does not have (Cilium's own decoding
// would drop them without a word).
func strict(raw []byte, into any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(into)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cilium-policy: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: cilium-policy input.json")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var in input
	if err := strict(raw, &in); err != nil {
		fail("input: %v", err)
	}
	if in.ClusterName == "" {
		in.ClusterName = "default"
	}
	warn := &warnings{next: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})}
	logger := slog.New(warn)
	option.Config.ClusterName = in.ClusterName
	// IPv4 only, as Cilium's Helm chart installs it by default (the daemon's own defaults are dual
	// stack): outside traffic is the reserved identity world, and 0.0.0.0/0 selects it.
	option.Config.EnableIPv4, option.Config.EnableIPv6 = true, false
	policy.SetPolicyEnabled(option.DefaultEnforcement)
	if err := labelsfilter.ParseLabelPrefixCfg(logger, nil, nil, ""); err != nil {
		fail("label prefixes: %v", err)
	}

	out := output{Endpoints: map[string]endpointResult{}}
	var entries policytypes.PolicyEntries
	for _, p := range in.Policies {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(p, &meta); err != nil {
			fail("policy: %v", err)
		}
		id := fmt.Sprintf("%s %s/%s", meta.Kind, meta.Metadata.Namespace, meta.Metadata.Name)
		before := len(warn.lines)
		var got policytypes.PolicyEntries
		switch meta.Kind {
		case "CiliumNetworkPolicy":
			var cnp ciliumv2.CiliumNetworkPolicy
			if err := strict(p, &cnp); err != nil {
				fail("%s: a field Cilium's CiliumNetworkPolicy type does not have: %v", id, err)
			}
			rules, err := cnp.Parse(logger, in.ClusterName)
			if err != nil {
				fail("%s: Cilium refuses it: %v", id, err)
			}
			if err := checkKept(&cnp, rules); err != nil {
				fail("%s: %v", id, err)
			}
			got = policyutils.RulesToPolicyEntries(rules)
		case "NetworkPolicy":
			var np slim_networkingv1.NetworkPolicy
			if err := strict(p, &np); err != nil {
				fail("%s: a field Cilium's NetworkPolicy type does not have: %v", id, err)
			}
			got, err = k8s.ParseNetworkPolicy(logger, in.ClusterName, &np)
			if err != nil {
				fail("%s: Cilium refuses it: %v", id, err)
			}
		default:
			fail("%s: not a kind the library renders as a policy (NetworkPolicy, CiliumNetworkPolicy)", id)
		}
		if len(warn.lines) > before {
			fail("%s: Cilium warned while parsing it:\n%s", id, strings.Join(warn.lines[before:], "\n"))
		}
		if len(got) == 0 {
			fail("%s: Cilium made no policy entry of it", id)
		}
		r := policyResult{Object: id, Entries: len(got), Rules: json.RawMessage(policy.JSONMarshalRules(got))}
		for _, e := range got {
			if e.Ingress {
				r.Ingress++
			} else {
				r.Egress++
			}
		}
		out.Policies = append(out.Policies, r)
		entries = append(entries, got...)
	}

	namespaces := map[string]*slim_corev1.Namespace{}
	for _, n := range in.Namespaces {
		var ns slim_corev1.Namespace
		if err := json.Unmarshal(n, &ns); err != nil {
			fail("namespace: %v", err)
		}
		namespaces[ns.Name] = &ns
	}

	// Identities: pods the agent's way; reserved ones as Cilium defines them.
	ids := map[string]*identity.Identity{}
	initial := identity.ListReservedIdentities()
	next := identity.NumericIdentity(1000)
	for _, e := range in.Endpoints {
		var id *identity.Identity
		switch {
		case e.Entity != "":
			n := identity.GetReservedID(e.Entity)
			if n == identity.IdentityUnknown {
				fail("endpoint %s: %q is no reserved identity of Cilium", e.Name, e.Entity)
			}
			id = identity.LookupReservedIdentity(n)
		case e.Pod != nil:
			var pod slim_corev1.Pod
			if err := json.Unmarshal(e.Pod, &pod); err != nil {
				fail("endpoint %s: %v", e.Name, err)
			}
			ns, ok := namespaces[pod.Namespace]
			if !ok {
				fail("endpoint %s: namespace %q not given", e.Name, pod.Namespace)
			}
			_, lbls := k8s.GetPodMetadata(logger, ns, &pod)
			idLabels, _ := labelsfilter.Filter(labels.Map2Labels(lbls, labels.LabelSourceK8s))
			id = identity.NewIdentity(next, idLabels)
			next++
			initial[id.ID] = id.LabelArray
		default:
			fail("endpoint %s: give a pod or an entity", e.Name)
		}
		ids[e.Name] = id
		out.Endpoints[e.Name] = endpointResult{ID: uint32(id.ID), Labels: id.LabelArray.GetModel()}
	}

	idManager := identitymanager.NewIDManager(logger)
	repo := policy.NewPolicyRepository(logger, initial, nil, nil, idManager, testpolicy.NewPolicyMetricsNoop())
	repo.GetSelectorCache().SetLocalIdentityNotifier(testidentity.NewDummyIdentityNotifier())
	idManager.Subscribe(testpolicy.SelectorCacheObserver{Cache: repo.GetSubjectSelectorCache()})
	repo.MustAddPolicyEntries(entries)

	for _, f := range in.Flows {
		from, to := ids[f.From], ids[f.To]
		if from == nil || to == nil {
			fail("flow %s -> %s: unknown endpoint", f.From, f.To)
		}
		proto, err := u8proto.ParseProtocol(f.Protocol)
		if err != nil {
			fail("flow %s -> %s: %v", f.From, f.To, err)
		}
		v, _, _, err := policy.LookupFlow(logger, repo, idManager, policytypes.Flow{From: from, To: to, Proto: proto, Dport: f.Port})
		if err != nil {
			fail("flow %s -> %s: %v", f.From, f.To, err)
		}
		out.Flows = append(out.Flows, flowResult{flow: f, Egress: v.Egress.String(), Ingress: v.Ingress.String(), Allowed: v.Allowed()})
	}
	if len(warn.lines) > 0 {
		fail("Cilium warned:\n%s", strings.Join(warn.lines, "\n"))
	}
	sort.Slice(out.Policies, func(i, j int) bool { return out.Policies[i].Object < out.Policies[j].Object })
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail("%v", err)
	}
}

// checkKept fails when the translated rules lost a peer list or a port the CiliumNetworkPolicy
// gave (each spec becomes one api.Rule with as many ingress and egress rules).
func checkKept(cnp *ciliumv2.CiliumNetworkPolicy, rules api.Rules) error {
	specs := api.Rules{}
	if cnp.Spec != nil {
		specs = append(specs, cnp.Spec)
	}
	specs = append(specs, cnp.Specs...)
	if len(rules) != len(specs) {
		return fmt.Errorf("%d specs became %d rules", len(specs), len(rules))
	}
	for i, s := range specs {
		r := rules[i]
		if len(r.Ingress) != len(s.Ingress) || len(r.Egress) != len(s.Egress) {
			return fmt.Errorf("spec %d: %d ingress and %d egress rules became %d and %d", i, len(s.Ingress), len(s.Egress), len(r.Ingress), len(r.Egress))
		}
		for j := range s.Egress {
			if len(r.Egress[j].ToEntities) != len(s.Egress[j].ToEntities) || len(r.Egress[j].ToPorts) != len(s.Egress[j].ToPorts) {
				return fmt.Errorf("spec %d egress rule %d: entities or ports lost", i, j)
			}
		}
		for j := range s.Ingress {
			if len(r.Ingress[j].FromEntities) != len(s.Ingress[j].FromEntities) || len(r.Ingress[j].ToPorts) != len(s.Ingress[j].ToPorts) {
				return fmt.Errorf("spec %d ingress rule %d: entities or ports lost", i, j)
			}
		}
	}
	return nil
}
