package catalog

// Layer is one of the five layers of the platform security plan.
type Layer int

const (
	LayerRuntime Layer = iota + 1
	LayerContainers
	LayerControlPlane
	LayerClusterPolicy
	LayerNodes
)

var layerTitles = map[Layer]Text{
	LayerRuntime:       {EN: "1. Container runtime", ZH: "1. 容器运行时"},
	LayerContainers:    {EN: "2. Containers and images", ZH: "2. 容器与镜像"},
	LayerControlPlane:  {EN: "3. Control plane", ZH: "3. 控制平面"},
	LayerClusterPolicy: {EN: "4. Cluster policy", ZH: "4. 集群策略"},
	LayerNodes:         {EN: "5. Nodes", ZH: "5. 节点"},
}

// Title is the layer's heading.
func (l Layer) Title() Text { return layerTitles[l] }

// Layers lists the plan's layers in order.
func Layers() []Layer {
	return []Layer{LayerRuntime, LayerContainers, LayerControlPlane, LayerClusterPolicy, LayerNodes}
}

// Item is one line of the security plan.
type Item struct {
	ID    string `json:"id"`
	Layer Layer  `json:"layer"`
	Title Text   `json:"title"`
}

// Plan is the user's security plan, line by line. Every check implements one item.
var Plan = []Item{
	{"1.1", LayerRuntime, Text{"CIS Docker baseline", "CIS Docker 基线"}},
	{"1.2", LayerRuntime, Text{"Daemon only on a unix socket", "守护进程仅监听 unix 套接字"}},
	{"1.3", LayerRuntime, Text{"No runtime socket mounted into containers", "容器内不挂载运行时套接字"}},
	{"1.4", LayerRuntime, Text{"Content trust", "内容信任"}},
	{"2.1", LayerContainers, Text{"Trusted registries only", "仅使用可信镜像仓库"}},
	{"2.2", LayerContainers, Text{"Scanned and signed images", "镜像经过扫描和签名"}},
	{"2.3", LayerContainers, Text{"Non-root containers", "容器以非 root 用户运行"}},
	{"2.4", LayerContainers, Text{"No privileged mode, only the capabilities needed, no host access", "禁用特权模式，仅授予所需能力，不访问宿主机"}},
	{"2.5", LayerContainers, Text{"seccomp, AppArmor, SELinux and a read-only root filesystem", "设置 seccomp、AppArmor、SELinux 及只读根文件系统"}},
	{"3.1", LayerControlPlane, Text{"etcd mutual TLS", "etcd 双向 TLS"}},
	{"3.2", LayerControlPlane, Text{"kube-apiserver TLS and client certificates", "kube-apiserver TLS 与客户端证书"}},
	{"3.3", LayerControlPlane, Text{"controller-manager, scheduler and kube-proxy TLS kubeconfigs", "controller-manager、scheduler 与 kube-proxy 使用 TLS kubeconfig"}},
	{"3.4", LayerControlPlane, Text{"kubelet authentication and serving certificates", "kubelet 认证与服务证书"}},
	{"3.5", LayerControlPlane, Text{"Calico etcd TLS", "Calico etcd TLS"}},
	{"3.6", LayerControlPlane, Text{"Control-plane files and certificates", "控制平面文件与证书"}},
	{"4.1", LayerClusterPolicy, Text{"Authentication (x509, OIDC, webhook tokens)", "身份认证（x509、OIDC、Webhook 令牌）"}},
	{"4.2", LayerClusterPolicy, Text{"One service account per app, no token where not needed", "每个应用一个服务账号，不需要时不挂载令牌"}},
	{"4.3", LayerClusterPolicy, Text{"Authorization Node,RBAC and least privilege", "Node,RBAC 授权与最小权限"}},
	{"4.4", LayerClusterPolicy, Text{"Recommended admission plugins", "推荐的准入插件"}},
	{"4.5", LayerClusterPolicy, Text{"ResourceQuota and LimitRange per namespace", "每个命名空间的 ResourceQuota 与 LimitRange"}},
	{"4.6", LayerClusterPolicy, Text{"NetworkPolicy isolation", "NetworkPolicy 网络隔离"}},
	{"4.7", LayerClusterPolicy, Text{"Pod security levels", "Pod 安全级别"}},
	{"4.8", LayerClusterPolicy, Text{"Node isolation and replica spread", "节点隔离与副本分布"}},
	{"4.9", LayerClusterPolicy, Text{"Priority for system services", "系统服务优先级"}},
	{"4.10", LayerClusterPolicy, Text{"Audit logs kept off the cluster", "审计日志存放于集群之外"}},
	{"4.11", LayerClusterPolicy, Text{"Secrets in Secrets, never in YAML, encrypted at rest", "机密存于 Secret，不写入 YAML，静态加密"}},
	{"5.1", LayerNodes, Text{"Firewall in front of node ports", "节点端口前置防火墙"}},
	{"5.2", LayerNodes, Text{"SSH by key only", "SSH 仅允许密钥登录"}},
}

var itemIndex = func() map[string]int {
	m := make(map[string]int, len(Plan))
	for i, it := range Plan {
		m[it.ID] = i
	}
	return m
}()

// ItemByID returns the plan item with that ID (the zero Item if unknown).
func ItemByID(id string) Item {
	if i, ok := itemIndex[id]; ok {
		return Plan[i]
	}
	return Item{}
}

// ItemOrder is the position of a plan item in the plan, for sorting.
func ItemOrder(id string) int {
	if i, ok := itemIndex[id]; ok {
		return i
	}
	return len(Plan)
}
