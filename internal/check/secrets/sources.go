package secrets

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// Where each workload's secrets come from (plan item 4.11: Secrets read by
// pods, managed centrally in Vault), and which namespaces still keep
// Secrets made by hand.
const (
	WorkloadSource     = "KW-SEC-004"
	HandMadeNamespaces = "KW-SEC-005"
)

func init() {
	check.Register(
		check.Spec{ID: WorkloadSource, Fix: literalFix, Policy: sourcesRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster,
			Title: catalog.Text{EN: "Workload takes a secret from a literal instead of a Secret or an external store",
				ZH: "工作负载的机密来自明文，而非 Secret 或外部机密存储"},
			Remediation: catalog.Text{EN: "Read the value from a Secret through env.valueFrom.secretKeyRef or a secret volume, fed by an external store (Vault through External Secrets Operator, the Vault agent injector or the Secrets Store CSI driver, or Sealed Secrets). The PASS evidence names the store of each workload.",
				ZH: "通过 env.valueFrom.secretKeyRef 或 secret 卷从 Secret 读取该值，并由外部机密存储提供（经 External Secrets Operator、Vault 注入器或 CSI 机密存储驱动接入的 Vault，或 Sealed Secrets）。PASS 的证据列出每个工作负载的机密存储。"},
			References: []string{"CIS Kubernetes v1.12 5.4.1", "CIS Kubernetes v1.12 5.4.2"}},
		check.Spec{ID: HandMadeNamespaces, Policy: sourcesRule, Item: "4.11", Severity: catalog.SeverityLow, Scope: check.Cluster,
			Title: catalog.Text{EN: "Namespace keeps Secrets made by hand rather than from a central store",
				ZH: "命名空间保存手工创建的 Secret，而非来自集中机密存储"},
			Remediation: catalog.Text{EN: "Recreate these Secrets from Vault with External Secrets Operator (`kubeward harden secrets` writes the ExternalSecret and SecretStore), then delete the hand-made copies.",
				ZH: "使用 External Secrets Operator 从 Vault 重新生成这些 Secret（`kubeward harden secrets` 会生成 ExternalSecret 与 SecretStore），然后删除手工创建的副本。"},
			References: []string{"CIS Kubernetes v1.12 5.4.2"}},
	)
}

// sourceFact is what one object tells about where secrets come from.
type sourceFact struct {
	kind, ns, name string
	subject        result.Subject
	loc            *result.Location
	obj            *inventory.Object

	// Workloads.
	literals  []string    // "env DB_PASSWORD", "argument --token"
	literalAt string      // field path of the first literal
	uses      []secretUse // Secrets read through env or volumes
	vault     string      // Vault agent injector: "role r", "" when not injected
	csi       []string    // SecretProviderClass names of CSI volumes

	// Secrets.
	secretType string
	owners     []string // "ExternalSecret/name"
	handMade   bool
	valueKeys  []string // keys holding a value in the file (manifests)
	valuePath  string

	// Stores and synced objects.
	target   string // ExternalSecret target, SealedSecret name
	store    string // ExternalSecret: "SecretStore/vault"
	provider string // SecretStore and SecretProviderClass backend
	synced   []string
}

// secretUse is a Secret a workload reads and how.
type secretUse struct{ name, via string }

var (
	sourcesCollector = &check.Collector{Name: "secret-sources", Applies: sourceApplies, Fact: sourceFactOf}
	sourcesRule      = &check.PolicyRule{Collect: []*check.Collector{sourcesCollector}, Run: judgeSources}
)

func sourceApplies(_ *check.Env, t *check.Target) bool {
	if t.Workload != nil {
		return true
	}
	switch t.Typed.(type) {
	case *corev1.Secret, *inventory.ExternalSecret, *inventory.SecretStore, *inventory.SealedSecret, *inventory.SecretProviderClass:
		return true
	}
	return false
}

func sourceFactOf(_ *check.Env, t *check.Target) any {
	f := &sourceFact{kind: t.Kind, ns: t.Namespace, name: t.Name, subject: t.Subject(), loc: t.Location("")}
	if w := t.Workload; w != nil {
		workloadSources(f, w)
		f.loc = t.Location(w.SpecPath)
		if f.literalAt != "" {
			f.loc = t.Location(f.literalAt)
		}
		return f
	}
	switch o := t.Typed.(type) {
	case *corev1.Secret:
		f.secretType = string(o.Type)
		f.owners = ownerKinds(o.OwnerReferences)
		f.handMade = handMade(o)
		f.valueKeys, f.valuePath = valueKeys(o)
		if len(f.valueKeys) > 0 && !storeOwned(f.owners) {
			lite := *t.Object
			lite.Locate, lite.LocateFile, lite.Typed = nil, nil, nil
			f.obj = &lite
			f.loc = t.Location(f.valuePath)
		}
	case *inventory.ExternalSecret:
		f.target = o.TargetName()
		kind := o.Spec.SecretStoreRef.Kind
		if kind == "" {
			kind = "SecretStore"
		}
		f.store = kind + "/" + o.Spec.SecretStoreRef.Name
	case *inventory.SecretStore:
		f.provider = o.ProviderName()
	case *inventory.SealedSecret:
		f.target = o.TargetName()
	case *inventory.SecretProviderClass:
		f.provider = o.Spec.Provider
		for _, s := range o.Spec.SecretObjects {
			f.synced = append(f.synced, s.SecretName)
		}
	}
	return f
}

// Vault agent injector annotations on the pod template.
const (
	vaultInject = "vault.hashicorp.com/agent-inject"
	vaultRole   = "vault.hashicorp.com/role"
	csiDriver   = "secrets-store.csi.k8s.io"
)

func workloadSources(f *sourceFact, w *inventory.Workload) {
	if w.Meta != nil && strings.EqualFold(w.Meta.Annotations[vaultInject], "true") {
		f.vault = "Vault agent injector"
		if r := w.Meta.Annotations[vaultRole]; r != "" {
			f.vault += " (role " + r + ")"
		}
	}
	for _, v := range w.Spec.Volumes {
		switch {
		case v.Secret != nil:
			f.uses = append(f.uses, secretUse{v.Secret.SecretName, "volume " + v.Name})
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					f.uses = append(f.uses, secretUse{s.Secret.Name, "volume " + v.Name})
				}
			}
		case v.CSI != nil && v.CSI.Driver == csiDriver:
			f.csi = append(f.csi, v.CSI.VolumeAttributes["secretProviderClass"])
		}
	}
	for _, c := range w.Containers() {
		for i, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				f.uses = append(f.uses, secretUse{e.ValueFrom.SecretKeyRef.Name, "env " + e.Name})
				continue
			}
			if e.ValueFrom == nil && e.Value != "" {
				if v := Classify(e.Name, e.Value); v.Secret && v.Certain {
					f.literals = append(f.literals, "env "+e.Name+" = "+Redact(e.Value))
					if f.literalAt == "" {
						f.literalAt = fmt.Sprintf("%s.env[%d].value", c.Path, i)
					}
				}
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				f.uses = append(f.uses, secretUse{e.SecretRef.Name, "envFrom"})
			}
		}
		f.literals = append(f.literals, literalArgs(c.Command)...)
		f.literals = append(f.literals, literalArgs(c.Args)...)
	}
}

// literalArgs finds --password=VALUE arguments, as KW-SEC-001 does.
func literalArgs(args []string) []string {
	var out []string
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		flag, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				continue
			}
			value = args[i+1]
		}
		if v := Classify(flag, value); v.Secret && v.Certain {
			out = append(out, "argument --"+flag+" = "+Redact(value))
		}
	}
	return out
}

func ownerKinds(refs []metav1.OwnerReference) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Kind+"/"+r.Name)
	}
	return out
}

// storeOwned reports owner references to an ExternalSecret or SealedSecret.
func storeOwned(owners []string) bool {
	for _, o := range owners {
		if strings.HasPrefix(o, "ExternalSecret/") || strings.HasPrefix(o, "SealedSecret/") {
			return true
		}
	}
	return false
}

// handMade reports a Secret that no controller made and that holds what a
// person would put there: not a service account token, a bootstrap token,
// a Helm release record or a certificate cert-manager issued.
func handMade(s *corev1.Secret) bool {
	if len(s.OwnerReferences) > 0 {
		return false
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken, corev1.SecretTypeBootstrapToken, "helm.sh/release.v1":
		return false
	}
	if _, ok := s.Annotations["cert-manager.io/certificate-name"]; ok {
		return false
	}
	return true
}

// valueKeys lists the keys whose values sit in the object (a manifest; the
// API source reads Secrets as metadata only, so never there).
func valueKeys(s *corev1.Secret) ([]string, string) {
	var keys []string
	for k, v := range s.Data {
		if len(v) > 0 {
			keys = append(keys, k)
		}
	}
	for k, v := range s.StringData {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	path := "data"
	if len(s.Data) == 0 {
		path = "stringData"
	}
	return keys, path
}

// stores is what the scan says about the external stores, by namespace/name.
type stores struct {
	secrets      map[string]*sourceFact
	externals    map[string]*sourceFact // by target Secret
	sealed       map[string]*sourceFact // by target Secret
	spcs         map[string]*sourceFact
	spcSynced    map[string]*sourceFact // by synced Secret
	secretStores map[string]string      // "ns/SecretStore/name" or "ClusterSecretStore/name" -> provider
	central      map[string]bool        // namespaces that use a central store
}

func gather(facts []any) (*stores, []*sourceFact) {
	s := &stores{secrets: map[string]*sourceFact{}, externals: map[string]*sourceFact{}, sealed: map[string]*sourceFact{},
		spcs: map[string]*sourceFact{}, spcSynced: map[string]*sourceFact{}, secretStores: map[string]string{}, central: map[string]bool{}}
	var workloads []*sourceFact
	for _, x := range facts {
		f := x.(*sourceFact)
		key := f.ns + "/" + f.name
		switch f.kind {
		case "Secret":
			s.secrets[key] = f
			if storeOwned(f.owners) {
				s.central[f.ns] = true
			}
		case "ExternalSecret":
			s.externals[f.ns+"/"+f.target] = f
			s.central[f.ns] = true
		case "SealedSecret":
			s.sealed[f.ns+"/"+f.target] = f
			s.central[f.ns] = true
		case "SecretProviderClass":
			s.spcs[key] = f
			for _, n := range f.synced {
				s.spcSynced[f.ns+"/"+n] = f
			}
		case "SecretStore":
			s.secretStores[f.ns+"/SecretStore/"+f.name] = f.provider
		case "ClusterSecretStore":
			s.secretStores["ClusterSecretStore/"+f.name] = f.provider
		default:
			workloads = append(workloads, f)
			if f.vault != "" || len(f.csi) > 0 {
				s.central[f.ns] = true
			}
		}
	}
	sort.Slice(workloads, func(i, j int) bool { return lessFact(workloads[i], workloads[j]) })
	return s, workloads
}

func lessFact(a, b *sourceFact) bool {
	if a.loc != nil && b.loc != nil && a.loc.File != b.loc.File {
		return a.loc.File < b.loc.File
	}
	if a.loc != nil && b.loc != nil && a.loc.Line != b.loc.Line {
		return a.loc.Line < b.loc.Line
	}
	return a.subject.String() < b.subject.String()
}

// storeOf names the external store behind the ExternalSecret f.
func (s *stores) storeOf(f *sourceFact) string {
	key := f.ns + "/" + f.store
	if strings.HasPrefix(f.store, "ClusterSecretStore/") {
		key = f.store
	}
	if p := s.secretStores[key]; p != "" {
		return f.store + ", provider " + p
	}
	return f.store
}

// origin says where the Secret ns/name a workload reads comes from.
func (s *stores) origin(ns, name string) string {
	key := ns + "/" + name
	if es := s.externals[key]; es != nil {
		return "External Secrets Operator: ExternalSecret " + es.name + " (" + s.storeOf(es) + ")"
	}
	if s.sealed[key] != nil {
		return "Sealed Secrets: SealedSecret " + name
	}
	if spc := s.spcSynced[key]; spc != nil {
		return "Secrets Store CSI: SecretProviderClass " + spc.name + " (provider " + spc.provider + ")"
	}
	if sec := s.secrets[key]; sec != nil {
		for _, o := range sec.owners {
			switch {
			case strings.HasPrefix(o, "ExternalSecret/"):
				return "External Secrets Operator: " + o
			case strings.HasPrefix(o, "SealedSecret/"):
				return "Sealed Secrets: " + o
			}
		}
	}
	return ""
}

// central reports whether the Secret ns/name comes from an external store.
func (s *stores) fromStore(ns, name string) bool { return s.origin(ns, name) != "" }

func judgeSources(env *check.Env, ix *check.Index, em *check.Emitter) {
	s, workloads := gather(ix.Facts["secret-sources"])
	for _, w := range workloads {
		judgeWorkload(s, w, em)
	}
	judgeSecretsInFiles(s, em)
	if env.Mode == "cluster" {
		judgeNamespaces(env, s, em)
	}
}

func judgeWorkload(s *stores, w *sourceFact, em *check.Emitter) {
	subject := w.subject
	if len(w.literals) > 0 {
		em.Add(check.Finding{ID: WorkloadSource, Status: result.Fail, Subject: &subject, Location: w.loc,
			Message: catalog.F("%s/%s takes %d secret(s) from literals in its spec, not from a Secret or an external store",
				"%s/%s 的 %d 个机密来自其规约中的明文，而非 Secret 或外部机密存储", w.kind, w.name, len(w.literals)),
			Evidence: strings.Join(w.literals, "; ")})
		return
	}
	var from []string
	if w.vault != "" {
		from = append(from, w.vault)
	}
	for _, name := range w.csi {
		desc := "Secrets Store CSI: SecretProviderClass " + name
		if spc := s.spcs[w.ns+"/"+name]; spc != nil && spc.provider != "" {
			desc += " (provider " + spc.provider + ")"
		}
		from = append(from, desc)
	}
	seen := map[string]bool{}
	for _, u := range w.uses {
		desc := "Secret " + u.name + " via " + u.via
		if o := s.origin(w.ns, u.name); o != "" {
			desc += " <- " + o
		}
		if !seen[desc] {
			seen[desc] = true
			from = append(from, desc)
		}
	}
	if len(from) == 0 {
		return
	}
	em.Pass(check.Finding{ID: WorkloadSource, Subject: &subject, Location: w.loc,
		Message:  catalog.F("%s/%s reads its secrets from: %s", "%s/%s 的机密来自：%s", w.kind, w.name, strings.Join(from, "; ")),
		Evidence: strings.Join(from, "; ")})
}

// judgeSecretsInFiles decides KW-SEC-003 for the Secrets whose values sit in
// the scanned files: one an ExternalSecret or a SealedSecret of the scan
// makes is the store's output, not a secret kept in YAML.
func judgeSecretsInFiles(s *stores, em *check.Emitter) {
	keys := make([]string, 0, len(s.secrets))
	for k, f := range s.secrets {
		if f.obj != nil {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return lessFact(s.secrets[keys[i]], s.secrets[keys[j]]) })
	for _, k := range keys {
		f := s.secrets[k]
		if o := s.origin(f.ns, f.name); o != "" {
			em.Pass(check.Finding{ID: SecretInManifest, Object: f.obj, Location: f.loc,
				Message: catalog.F("Secret is made by %s", "Secret 由 %s 生成", o), Evidence: o})
			continue
		}
		em.Add(check.Finding{ID: SecretInManifest, Status: result.Fail, Object: f.obj, Location: f.loc,
			Message:  catalog.F("Secret carries %d value(s) in this file: %s", "Secret 在此文件中包含 %d 个值：%s", len(f.valueKeys), strings.Join(f.valueKeys, ", ")),
			Evidence: "keys: " + strings.Join(f.valueKeys, ", ") + " (values redacted)"})
	}
}

func judgeNamespaces(env *check.Env, s *stores, em *check.Emitter) {
	system := map[string]bool{}
	for _, n := range env.Config.SystemNamespaces {
		system[n] = true
	}
	byNS := map[string][]string{}
	for _, f := range s.secrets {
		if f.handMade && !system[f.ns] && !s.fromStore(f.ns, f.name) {
			byNS[f.ns] = append(byNS[f.ns], f.name)
		}
	}
	var central []string
	for ns := range s.central {
		if !system[ns] {
			central = append(central, ns)
		}
	}
	sort.Strings(central)
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	centralText := "none"
	if len(central) > 0 {
		centralText = strings.Join(central, ", ")
	}
	for _, ns := range names {
		list := byNS[ns]
		sort.Strings(list)
		shown := list
		if len(shown) > 10 {
			shown = append(shown[:10:10], fmt.Sprintf("... %d more", len(list)-10))
		}
		em.Add(check.Finding{ID: HandMadeNamespaces, Status: result.Warn, Subject: &result.Subject{Kind: "Namespace", Name: ns},
			Message: catalog.F("namespace %s keeps %d Secret(s) made by hand; namespaces using a central store: %s",
				"命名空间 %s 保存 %d 个手工创建的 Secret；使用集中机密存储的命名空间：%s", ns, len(list), centralText),
			Evidence: "Secrets: " + strings.Join(shown, ", ")})
	}
	for _, ns := range central {
		if _, mixed := byNS[ns]; !mixed {
			em.Pass(check.Finding{ID: HandMadeNamespaces, Subject: &result.Subject{Kind: "Namespace", Name: ns},
				Message: catalog.F("namespace %s takes its Secrets from a central store", "命名空间 %s 的 Secret 来自集中机密存储", ns)})
		}
	}
}
