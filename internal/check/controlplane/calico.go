package controlplane

import (
	"fmt"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	CalicoHTTPS  = "KW-CALICO-001"
	CalicoCA     = "KW-CALICO-002"
	CalicoClient = "KW-CALICO-003"
)

func init() {
	logic := &check.NodeRule{Run: checkCalico}
	reg := func(id string, sev catalog.Severity, title, fix T) {
		check.Register(check.Spec{ID: id, Item: "3.5", Severity: sev, Title: title, Remediation: fix, Scope: check.Node,
			References: []string{"Calico docs: Configure connection to etcd (TLS)"}, Node: logic})
	}
	reg(CalicoHTTPS, high, T{EN: "Calico talks to etcd over plain http", ZH: "Calico 通过明文 http 访问 etcd"},
		T{EN: "Use https:// etcd endpoints (ETCD_ENDPOINTS, etcdEndpoints, etcd_endpoints).", ZH: "使用 https:// 的 etcd 地址（ETCD_ENDPOINTS、etcdEndpoints、etcd_endpoints）。"})
	reg(CalicoCA, high, T{EN: "Calico does not verify etcd's certificate (no CA file)", ZH: "Calico 未校验 etcd 证书（缺少 CA 文件）"},
		T{EN: "Set ETCD_CA_CERT_FILE (etcdCACertFile, etcd_ca_cert_file).", ZH: "设置 ETCD_CA_CERT_FILE（etcdCACertFile、etcd_ca_cert_file）。"})
	reg(CalicoClient, high, T{EN: "Calico has no etcd client certificate", ZH: "Calico 没有 etcd 客户端证书"},
		T{EN: "Set ETCD_CERT_FILE and ETCD_KEY_FILE (etcdCertFile/etcdKeyFile, etcd_cert_file/etcd_key_file).", ZH: "设置 ETCD_CERT_FILE 与 ETCD_KEY_FILE（etcdCertFile/etcdKeyFile、etcd_cert_file/etcd_key_file）。"})
}

// calicoSource is one place Calico's datastore settings live.
type calicoSource struct {
	where     string // "env of calico-node (pid N)", a file
	comp      *inventory.Component
	datastore string
	endpoints string
	ca, cert  string
	key       string
}

// calicoSources are Calico's datastore settings: each calico-node
// process's environment, then calicoctl's and the CNI plugin's
// configurations as the source read them.
func calicoSources(n *inventory.Node) []calicoSource {
	var out []calicoSource
	for _, c := range n.ComponentsOf(inventory.Calico) {
		ds := c.Env["DATASTORE_TYPE"]
		if ds == "" {
			ds = c.Env["CALICO_DATASTORE_TYPE"]
		}
		out = append(out, calicoSource{where: "environment of " + c.Subject(n.Hostname), comp: c, datastore: ds,
			endpoints: c.Env["ETCD_ENDPOINTS"], ca: c.Env["ETCD_CA_CERT_FILE"], cert: c.Env["ETCD_CERT_FILE"], key: c.Env["ETCD_KEY_FILE"]})
	}
	for _, s := range n.Calico {
		out = append(out, calicoSource{where: s.File, datastore: s.Datastore, endpoints: s.Endpoints, ca: s.CA, cert: s.Cert, key: s.Key})
	}
	return out
}

func checkCalico(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	sources := calicoSources(n)
	ids := []string{CalicoHTTPS, CalicoCA, CalicoClient}
	if len(sources) == 0 {
		for _, id := range ids {
			em.Absent(id, "Calico")
		}
		return
	}
	for _, s := range sources {
		loc := &result.Location{File: s.where}
		if s.comp != nil {
			loc.File = s.comp.Origin()
		}
		if strings.EqualFold(s.datastore, "kubernetes") || (s.endpoints == "" && s.datastore == "") {
			for _, id := range ids {
				em.Add(id, result.NotApplicable, s.comp, loc, catalog.F("%s: Calico uses the Kubernetes datastore, not etcd", "%s：Calico 使用 Kubernetes 数据存储，而非 etcd", s.where), "datastore="+s.datastore)
			}
			continue
		}
		verdict := func(id string, ok bool, msg T, ev string) {
			if ok {
				em.Add(id, result.Pass, s.comp, loc, T{}, ev)
			} else {
				em.Add(id, result.Fail, s.comp, loc, msg, ev)
			}
		}
		https := s.endpoints != ""
		for _, e := range strings.Split(s.endpoints, ",") {
			if !strings.HasPrefix(strings.TrimSpace(e), "https://") {
				https = false
			}
		}
		verdict(CalicoHTTPS, https, catalog.F("%s: etcd endpoints %s are not all https", "%s：etcd 地址 %s 并非全部为 https", s.where, s.endpoints), fmt.Sprintf("etcd endpoints=%s (%s)", s.endpoints, s.where))
		verdict(CalicoCA, s.ca != "", catalog.F("%s: no etcd CA file", "%s：缺少 etcd CA 文件", s.where), fmt.Sprintf("etcd CA file=%q (%s)", s.ca, s.where))
		verdict(CalicoClient, s.cert != "" && s.key != "", catalog.F("%s: no etcd client certificate and key", "%s：缺少 etcd 客户端证书和密钥", s.where), fmt.Sprintf("etcd cert=%q key=%q (%s)", s.cert, s.key, s.where))
	}
}
