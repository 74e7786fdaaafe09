package controlplane

import (
	"bytes"
	"fmt"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// EtcdUniqueCA: etcd trusts its own CA, not the one Kubernetes clients are
// signed by (CIS Kubernetes v1.12 2.7). With one CA for both, any client
// certificate of the cluster (a kubelet's, a user's) opens etcd.
const EtcdUniqueCA = "KW-ETCD-009"

func init() {
	check.Register(check.Spec{ID: EtcdUniqueCA, Item: "3.1", Severity: high, Scope: check.Node,
		Title: T{EN: "etcd trusts the same CA as Kubernetes clients", ZH: "etcd 信任的 CA 与 Kubernetes 客户端使用的 CA 相同"},
		Remediation: T{EN: "Give etcd a CA of its own (--trusted-ca-file) that signs only etcd's peers and the API server's etcd client certificate; keep it apart from the API server's --client-ca-file.",
			ZH: "为 etcd 使用独立的 CA（--trusted-ca-file），仅用于签发 etcd 节点与 API Server 的 etcd 客户端证书；不要与 API Server 的 --client-ca-file 共用。"},
		References: []string{"CIS Kubernetes v1.12 2.7"},
		Node:       &check.NodeRule{Run: runEtcdCA}})
}

// kubernetesCAs are the CA files Kubernetes clients are verified against
// on the node: the API server's --client-ca-file, else the kubelet's.
func kubernetesCAs(n *inventory.Node) (paths []string, pids []int, who string) {
	for _, kind := range []string{inventory.APIServer, inventory.Kubelet} {
		for _, c := range n.ComponentsOf(kind) {
			if v := c.Setting("client-ca-file").Value; v != "" {
				paths, pids = append(paths, v), append(pids, c.PID)
			}
		}
		if len(paths) > 0 {
			return paths, pids, kind
		}
	}
	return nil, nil, ""
}

func runEtcdCA(_ *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	etcds := n.ComponentsOf(inventory.Etcd)
	if len(etcds) == 0 {
		em.Absent(EtcdUniqueCA, inventory.Etcd)
		return
	}
	kpaths, kpids, who := kubernetesCAs(n)
	for _, c := range etcds {
		v := c.Setting("trusted-ca-file")
		loc := &result.Location{File: v.File, Path: v.Key}
		if v.Value == "" {
			em.Add(EtcdUniqueCA, result.NotApplicable, c, loc, catalog.F("etcd verifies no client certificates (no trusted-ca-file; see KW-ETCD-002)", "etcd 未校验客户端证书（未设置 trusted-ca-file；见 KW-ETCD-002）"), v.Evidence("trusted-ca-file"))
			continue
		}
		if len(kpaths) == 0 {
			em.Add(EtcdUniqueCA, result.NotApplicable, c, loc, catalog.F("no kube-apiserver or kubelet client CA on this node to compare etcd's CA with", "此节点上没有可与 etcd CA 比较的 kube-apiserver 或 kubelet 客户端 CA"), v.Evidence("trusted-ca-file"))
			continue
		}
		ecerts, err := caCerts(n, c.PID, v.Value)
		if err != "" {
			em.Add(EtcdUniqueCA, result.Error, c, loc, catalog.F("cannot read %s: %s", "无法读取 %s：%s", v.Value, err), "")
			continue
		}
		shared := ""
		for i, kp := range kpaths {
			if kp == v.Value {
				shared = kp
				break
			}
			kcerts, err := caCerts(n, kpids[i], kp)
			if err != "" {
				em.Add(EtcdUniqueCA, result.Error, c, &result.Location{File: kp}, catalog.F("cannot read %s: %s", "无法读取 %s：%s", kp, err), "")
				shared = "-"
				break
			}
			for _, e := range ecerts {
				for _, k := range kcerts {
					if bytes.Equal(e.DER, k.DER) {
						shared = kp
					}
				}
			}
		}
		ev := fmt.Sprintf("%s; %s client-ca-file=%v", v.Evidence("trusted-ca-file"), who, kpaths)
		switch shared {
		case "-":
		case "":
			em.Add(EtcdUniqueCA, result.Pass, c, loc, catalog.Text{}, ev)
		default:
			em.Add(EtcdUniqueCA, result.Fail, c, loc, catalog.F("etcd's CA %s is also the %s client CA %s: every Kubernetes client certificate opens etcd", "etcd 的 CA %s 同时是 %s 的客户端 CA %s：任何 Kubernetes 客户端证书都能访问 etcd", v.Value, who, shared), ev)
		}
	}
}

// caCerts returns the certificates of a CA file the node source read.
func caCerts(n *inventory.Node, pid int, path string) ([]inventory.Certificate, string) {
	f := n.File(pid, path)
	switch {
	case f == nil:
		return nil, "not gathered by the node source"
	case !f.Present:
		return nil, f.StatError
	case f.Certificates == nil:
		return nil, "its certificates were not read"
	case f.Certificates.Error != "":
		return nil, f.Certificates.Error
	}
	return f.Certificates.Certs, ""
}
