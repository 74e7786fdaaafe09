// Package benchgen generates realistic manifest corpora of a given size for
// benchmarks: per application a Deployment, Service, ConfigMap,
// ServiceAccount, Role, RoleBinding and NetworkPolicy, grouped in namespaces
// with their Namespace, ResourceQuota and LimitRange.
package benchgen

import (
	"bufio"
	"fmt"
	"io"
)

// perApp is the number of objects one application contributes.
const perApp = 7

// appsPerNamespace groups applications into namespaces.
const appsPerNamespace = 20

// Write writes about objects objects as one multi-document YAML stream.
func Write(w io.Writer, objects int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	apps := max(1, objects/perApp)
	for i := range apps {
		ns := fmt.Sprintf("team-%d", i/appsPerNamespace)
		if i%appsPerNamespace == 0 {
			writeNamespace(bw, ns, i)
		}
		writeApp(bw, ns, i)
	}
	return bw.Flush()
}

func writeNamespace(w io.Writer, ns string, i int) {
	// Every other namespace is hardened, so both paths of the checks run.
	label := ""
	if i%(2*appsPerNamespace) == 0 {
		label = "\n  labels:\n    pod-security.kubernetes.io/enforce: restricted"
	}
	fmt.Fprintf(w, `---
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s%[2]s
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: %[1]s}
spec:
  hard: {requests.cpu: "20", requests.memory: 64Gi, pods: "200"}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: %[1]s}
spec:
  limits: [{type: Container, default: {cpu: 500m, memory: 256Mi}}]
`, ns, label)
}

func writeApp(w io.Writer, ns string, i int) {
	privileged := i%10 == 0
	fmt.Fprintf(w, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[2]d
  namespace: %[1]s
  labels: {app: app-%[2]d, tier: backend}
spec:
  replicas: %[3]d
  selector:
    matchLabels: {app: app-%[2]d}
  template:
    metadata:
      labels: {app: app-%[2]d, tier: backend}
    spec:
      serviceAccountName: app-%[2]d
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: registry.bank.internal/team/app-%[2]d:1.%[2]d.0
          ports: [{containerPort: 8080}]
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: DB_HOST, value: db.%[1]s.svc}
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
          securityContext:
            privileged: %[4]t
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: app-%[2]d, namespace: %[1]s}
spec:
  selector: {app: app-%[2]d}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-%[2]d, namespace: %[1]s}
data:
  application.properties: |
    server.port=8080
    feature.flags=a,b,c
    cache.size=%[2]d
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app-%[2]d, namespace: %[1]s}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app-%[2]d, namespace: %[1]s}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-%[2]d, namespace: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-%[2]d}
subjects: [{kind: ServiceAccount, name: app-%[2]d, namespace: %[1]s}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app-%[2]d, namespace: %[1]s}
spec:
  podSelector: {matchLabels: {app: app-%[2]d}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {tier: frontend}}}], ports: [{port: 8080}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {name: data}}}]}]
`, ns, i, 2+i%2, privileged)
}

// WriteFailing writes about objects objects where nearly every object is a
// Deployment with eight or more FAIL findings (runs as root, privilege
// escalation, writable root filesystem, image not pinned by digest, one
// replica spread, and the Pod Security levels these break), grouped
// 50 to a namespace: the worst case for report memory. 5,000 objects give
// about 40,000 FAIL results.
func WriteFailing(w io.Writer, objects int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := range max(1, objects) {
		ns := fmt.Sprintf("team-%d", i/50)
		if i%50 == 0 {
			fmt.Fprintf(bw, "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns)
			continue
		}
		fmt.Fprintf(bw, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad-%[2]d
  namespace: %[1]s
spec:
  replicas: 2
  selector:
    matchLabels: {app: bad-%[2]d}
  template:
    metadata:
      labels: {app: bad-%[2]d}
    spec:
      serviceAccountName: bad-%[2]d
      automountServiceAccountToken: false
      securityContext:
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: registry.bank.internal/team/app-%[2]d:1.%[2]d.0
          securityContext:
            runAsUser: 0
            allowPrivilegeEscalation: true
            readOnlyRootFilesystem: false
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
`, ns, i)
	}
	return bw.Flush()
}
