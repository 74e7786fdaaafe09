package harness

import (
	"fmt"
	"strings"
)

// component is one process of the control plane.
type component struct {
	Name string
	Args []string
	// health is the URL polled until it answers 200; tlsClient selects the credentials.
	Health    string
	HealthTLS healthTLS
	// Isolated components run in the cluster's private network namespace
	// (Options.IsolateListeners).
	Isolated bool
}

type healthTLS int

const (
	healthPlain       healthTLS = iota // http://
	healthInsecureTLS                  // https:// without verification (self-signed serving certs)
	healthEtcdClient                   // https:// with the etcd CA and an etcd client cert
	healthAdmin                        // https:// with the cluster CA and the admin client cert
	healthAdminToken                   // https:// without verification, admin bearer token (insecure profile)
)

const admissionPlugins = "NamespaceLifecycle,LimitRanger,ServiceAccount,PersistentVolumeClaimResize," +
	"DefaultStorageClass,DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook," +
	"ResourceQuota,Priority,NodeRestriction"

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func (c *Cluster) etcdURLs() (client, peer string) {
	scheme := "http"
	if c.Options.Profile == Hardened {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s", scheme, loopback(c.Options.Ports.EtcdClient)),
		fmt.Sprintf("%s://%s", scheme, loopback(c.Options.Ports.EtcdPeer))
}

func (c *Cluster) components() []component {
	o, f := c.Options, c.Files
	p := f.PKI
	hard := o.Profile == Hardened
	clientURL, peerURL := c.etcdURLs()
	etcdName := "kubeward-" + string(o.Profile)

	// etcd
	etcd := component{Name: "etcd", Health: clientURL + "/health", HealthTLS: healthPlain}
	etcd.Args = []string{
		"--name=" + etcdName,
		"--data-dir=" + f.EtcdDataDir,
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=" + etcdName + "=" + peerURL,
		"--initial-cluster-state=new",
		"--initial-cluster-token=" + etcdName,
		"--snapshot-count=10000",
		"--log-level=warn",
	}
	if hard {
		etcd.HealthTLS = healthEtcdClient
		etcd.Args = append(etcd.Args,
			"--cert-file="+p.EtcdServer.CertFile,
			"--key-file="+p.EtcdServer.KeyFile,
			"--trusted-ca-file="+p.EtcdCA.CertFile,
			"--client-cert-auth=true",
			"--auto-tls=false",
			"--peer-cert-file="+p.EtcdPeer.CertFile,
			"--peer-key-file="+p.EtcdPeer.KeyFile,
			"--peer-trusted-ca-file="+p.EtcdCA.CertFile,
			"--peer-client-cert-auth=true",
			"--peer-auto-tls=false",
			"--cipher-suites="+strongCipherSuites,
		)
	} else {
		etcd.Args = append(etcd.Args, "--client-cert-auth=false", "--peer-client-cert-auth=false", "--auto-tls=true", "--peer-auto-tls=true")
	}

	// kube-apiserver
	api := component{Name: "kube-apiserver", Health: fmt.Sprintf("https://%s/readyz", loopback(o.Ports.APIServer))}
	api.Args = []string{
		"--advertise-address=127.0.0.1",
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", o.Ports.APIServer),
		"--etcd-servers=" + clientURL,
		"--service-cluster-ip-range=" + o.ServiceCIDR,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.ServiceAccountPub,
		"--service-account-signing-key-file=" + p.ServiceAccountKey,
		"--cert-dir=" + f.APIServerCerts,
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
	}
	if hard {
		api.HealthTLS = healthAdmin
		api.Args = append(api.Args,
			"--tls-cert-file="+p.APIServer.CertFile,
			"--tls-private-key-file="+p.APIServer.KeyFile,
			"--client-ca-file="+p.CA.CertFile,
			"--etcd-certfile="+p.APIServerEtcdClient.CertFile,
			"--etcd-keyfile="+p.APIServerEtcdClient.KeyFile,
			"--etcd-cafile="+p.EtcdCA.CertFile,
			"--kubelet-client-certificate="+p.APIServerKubelet.CertFile,
			"--kubelet-client-key="+p.APIServerKubelet.KeyFile,
			"--kubelet-certificate-authority="+p.CA.CertFile,
			"--kubelet-preferred-address-types=Hostname",
			"--anonymous-auth=false",
			"--authorization-mode=Node,RBAC",
			"--enable-admission-plugins="+admissionPlugins+",DenyServiceExternalIPs,EventRateLimit",
			"--admission-control-config-file="+f.AdmissionConfig,
			"--service-account-extend-token-expiration=false",
			"--audit-policy-file="+f.AuditPolicy,
			"--audit-log-path="+f.AuditLog,
			"--audit-log-maxage=30",
			"--audit-log-maxbackup=10",
			"--audit-log-maxsize=100",
			"--encryption-provider-config="+f.EncryptionConfig,
			"--profiling=false",
			"--tls-min-version=VersionTLS12",
			"--tls-cipher-suites="+strongCipherSuites,
			"--service-account-lookup=true",
			"--request-timeout=60s",
			"--requestheader-client-ca-file="+p.FrontProxy.CertFile,
			"--requestheader-allowed-names=front-proxy-client",
			"--requestheader-extra-headers-prefix=X-Remote-Extra-",
			"--requestheader-group-headers=X-Remote-Group",
			"--requestheader-username-headers=X-Remote-User",
			"--proxy-client-cert-file="+p.FrontProxyClient.CertFile,
			"--proxy-client-key-file="+p.FrontProxyClient.KeyFile,
		)
		if !o.NoAuditWebhook {
			api.Args = append(api.Args, "--audit-webhook-config-file="+f.AuditWebhook)
		}
		if !o.NoOIDC {
			api.Args = append(api.Args,
				"--oidc-issuer-url="+fmt.Sprintf("https://127.0.0.1:%d", o.Ports.APIServer+97),
				"--oidc-client-id=kubernetes")
		}
	} else {
		api.HealthTLS = healthAdminToken
		api.Args = append(api.Args,
			// kube-apiserver logs "AnonymousAuth is not allowed with the AlwaysAllow
			// authorizer" and resets it to false; the flag still shows on the command line.
			"--anonymous-auth=true",
			"--token-auth-file="+f.TokenFile,
			"--authorization-mode=AlwaysAllow",
			"--enable-admission-plugins=AlwaysAdmit",
			"--disable-admission-plugins=ServiceAccount,NodeRestriction",
			"--profiling=true",
			"--service-account-lookup=false",
			"--kubelet-preferred-address-types=Hostname",
			"--audit-policy-file="+f.AuditPolicy,
			"--audit-log-path="+f.AuditLog,
			"--encryption-provider-config="+f.EncryptionConfig,
		)
	}
	comps := []component{etcd, api}

	if !o.SkipControllers {
		cm := component{Name: "kube-controller-manager", HealthTLS: healthInsecureTLS,
			Health: fmt.Sprintf("https://%s/healthz", loopback(o.Ports.ControllerManager))}
		cm.Args = []string{
			"--kubeconfig=" + f.ControllerManagerKubeconfig,
			"--bind-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", o.Ports.ControllerManager),
			"--cert-dir=" + f.ControllerCerts,
			"--service-cluster-ip-range=" + o.ServiceCIDR,
			"--leader-elect=false",
		}
		sched := component{Name: "kube-scheduler", HealthTLS: healthInsecureTLS,
			Health: fmt.Sprintf("https://%s/healthz", loopback(o.Ports.Scheduler))}
		sched.Args = []string{
			"--kubeconfig=" + f.SchedulerKubeconfig,
			"--bind-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", o.Ports.Scheduler),
			"--cert-dir=" + f.SchedulerCerts,
			"--leader-elect=false",
		}
		if hard {
			cm.Args = append(cm.Args,
				"--authentication-kubeconfig="+f.ControllerManagerKubeconfig,
				"--authorization-kubeconfig="+f.ControllerManagerKubeconfig,
				"--profiling=false",
				"--use-service-account-credentials=true",
				"--root-ca-file="+p.CA.CertFile,
				"--service-account-private-key-file="+p.ServiceAccountKey,
				"--cluster-signing-cert-file="+p.CA.CertFile,
				"--cluster-signing-key-file="+p.CA.KeyFile,
				"--requestheader-client-ca-file="+p.FrontProxy.CertFile,
				"--terminated-pod-gc-threshold=10",
				"--tls-min-version=VersionTLS12",
				"--tls-cipher-suites="+strongCipherSuites,
			)
			sched.Args = append(sched.Args,
				"--authentication-kubeconfig="+f.SchedulerKubeconfig,
				"--authorization-kubeconfig="+f.SchedulerKubeconfig,
				"--profiling=false",
				"--requestheader-client-ca-file="+p.FrontProxy.CertFile,
				"--tls-min-version=VersionTLS12",
				"--tls-cipher-suites="+strongCipherSuites,
			)
		} else {
			cm.Args = append(cm.Args,
				"--profiling=true",
				"--use-service-account-credentials=false",
			)
			// A weak, self-signed, soon-expiring serving certificate for the
			// certificate checks to find.
			sched.Args = append(sched.Args, "--profiling=true",
				"--tls-cert-file="+f.WeakServing.CertFile,
				"--tls-private-key-file="+f.WeakServing.KeyFile,
				"--client-ca-file="+p.CA.CertFile,
			)
		}
		if o.IsolateListeners {
			// Bound the way an insecure cluster binds them, inside a namespace
			// where every interface is a loopback one: kube-controller-manager
			// by its default (0.0.0.0), kube-scheduler explicitly.
			cm.Args = withoutFlag(cm.Args, "--bind-address")
			sched.Args = replaceFlag(sched.Args, "--bind-address", "0.0.0.0")
			cm.Isolated, sched.Isolated = true, true
		}
		comps = append(comps, cm, sched)
	}

	// kubelet before kube-proxy: kube-proxy waits for the Node object the kubelet registers.
	if o.Kubelet {
		kubelet := component{Name: "kubelet", HealthTLS: healthPlain,
			Health: fmt.Sprintf("http://%s/healthz", loopback(o.Ports.KubeletHealthz))}
		kubelet.Args = []string{
			"--config=" + f.KubeletConfig,
			"--kubeconfig=" + f.KubeletKubeconfig,
			"--root-dir=" + f.KubeletRootDir,
			"--cert-dir=" + f.KubeletCertDir,
			// No --node-ip: the kubelet rejects loopback node IPs ("nodeIP can't be
			// loopback address") and then reports no addresses at all. The apiserver
			// reaches the kubelet through the Hostname address instead.
			"--hostname-override=" + o.NodeName,
		}
		comps = append(comps, kubelet)
	}
	if !o.SkipProxy {
		proxy := component{Name: "kube-proxy", HealthTLS: healthPlain,
			Health: fmt.Sprintf("http://%s/livez", loopback(o.Ports.ProxyHealthz))}
		proxy.Args = []string{
			"--kubeconfig=" + f.KubeProxyKubeconfig,
			"--hostname-override=" + o.NodeName,
			"--bind-address=127.0.0.1",
			"--proxy-mode=iptables",
			"--cluster-cidr=" + o.ClusterCIDR,
			"--metrics-bind-address=" + loopback(o.Ports.ProxyMetrics),
			"--healthz-bind-address=" + loopback(o.Ports.ProxyHealthz),
			// Do not touch host-wide conntrack sysctls.
			"--conntrack-max-per-core=0",
			"--conntrack-tcp-timeout-established=0",
			"--conntrack-tcp-timeout-close-wait=0",
		}
		if hard {
			proxy.Args = append(proxy.Args, "--profiling=false")
		} else {
			proxy.Args = append(proxy.Args, "--profiling=true")
		}
		if o.IsolateListeners {
			proxy.Args = replaceFlag(proxy.Args, "--metrics-bind-address", fmt.Sprintf("0.0.0.0:%d", o.Ports.ProxyMetrics))
			proxy.Isolated = true
		}
		comps = append(comps, proxy)
	}

	return comps
}

// withoutFlag drops --name=... from args.
func withoutFlag(args []string, name string) []string {
	out := args[:0:0]
	for _, a := range args {
		if !strings.HasPrefix(a, name+"=") {
			out = append(out, a)
		}
	}
	return out
}

// replaceFlag sets --name=value in args, replacing an earlier value.
func replaceFlag(args []string, name, value string) []string {
	return append(withoutFlag(args, name), name+"="+value)
}

// commandLine renders a component's command for logs and the state file.
func commandLine(bin string, args []string) string {
	return bin + " " + strings.Join(args, " ")
}
