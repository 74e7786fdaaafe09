package loader

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

// Options tune a load.
type Options struct {
	// Objects is the approximate total to create (default 100,000).
	Objects int
	// Workers is the number of concurrent create chains (default 32).
	Workers int
	// NoPodStatus skips writing a Running/Succeeded status to each new Pod
	// (one request per Pod; without it Pods stay Pending with an empty status).
	NoPodStatus bool
	// Logf receives progress lines. Default: discard.
	Logf func(format string, args ...any)
	// Progress is the interval of progress lines (default 10 s).
	Progress time.Duration
}

// Result is what a load did.
type Result struct {
	Plan     Plan
	Created  map[string]int // new objects per kind
	Existing map[string]int // objects that were already there (AlreadyExists)
	Statuses int            // status subresource writes (Pods, ResourceQuotas)
	Requests int64          // API requests, retries included
	Duration time.Duration
	Phases   []Phase
}

// Phase is one step of a load.
type Phase struct {
	Name     string
	Duration time.Duration
}

// Objects is the number of objects of the plan present after the load, per kind.
func (r *Result) Objects() map[string]int {
	out := map[string]int{}
	for k, n := range r.Created {
		out[k] += n
	}
	for k, n := range r.Existing {
		out[k] += n
	}
	return out
}

// Config builds a fast client configuration: protobuf, high client-side
// rate limits, warnings (Pod Security) discarded.
func Config(kubeconfig string, qps float32, burst int) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = qps, burst
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cfg.WarningHandler = rest.NoWarnings{}
	cfg.UserAgent = "kubeward-loadcluster"
	cfg.Timeout = 2 * time.Minute
	return cfg, nil
}

type loader struct {
	cs                kubernetes.Interface
	plan              Plan
	o                 Options
	created, existing map[string]*atomic.Int64
	statuses          atomic.Int64
	requests          atomic.Int64
	podSeq            atomic.Int64
	failures          atomic.Int64
	errMu             sync.Mutex
	errs              []error
	replicas          []int
	// Pods and Services per namespace, for the quota status.
	nsPods, nsServices map[string]*atomic.Int64
}

// Load creates the plan for o.Objects in the cluster cfg points to.
func Load(ctx context.Context, cfg *rest.Config, o Options) (*Result, error) {
	if o.Objects == 0 {
		o.Objects = 100000
	}
	if o.Workers == 0 {
		o.Workers = 32
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Progress == 0 {
		o.Progress = 10 * time.Second
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	l := &loader{cs: cs, plan: NewPlan(o.Objects), o: o, created: map[string]*atomic.Int64{}, existing: map[string]*atomic.Int64{}}
	for k := range l.plan.Counts() {
		l.created[k], l.existing[k] = new(atomic.Int64), new(atomic.Int64)
	}
	l.replicas = spread(l.plan.DeploymentPods, l.plan.Deployments)
	l.nsPods, l.nsServices = map[string]*atomic.Int64{}, map[string]*atomic.Int64{}
	for i := 0; i < l.plan.Namespaces; i++ {
		l.nsPods[nsName(i)], l.nsServices[nsName(i)] = new(atomic.Int64), new(atomic.Int64)
	}

	start := time.Now()
	stop := make(chan struct{})
	go l.progress(start, stop)
	res := &Result{Plan: l.plan}
	for _, ph := range []struct {
		name  string
		tasks func() []task
	}{
		{"nodes, namespaces, cluster RBAC", l.clusterTasks},
		{"limit ranges", l.limitRangeTasks},
		{"workloads, pods, config, RBAC, policies", l.namespacedTasks},
		{"resource quotas", l.quotaTasks},
		{"admission webhooks", l.webhookTasks},
	} {
		t0 := time.Now()
		l.run(ctx, ph.tasks())
		res.Phases = append(res.Phases, Phase{ph.name, time.Since(t0)})
		o.Logf("phase %q done in %s", ph.name, time.Since(t0).Round(time.Millisecond))
		if ctx.Err() != nil {
			break
		}
	}
	close(stop)
	res.Duration = time.Since(start)
	res.Created, res.Existing = map[string]int{}, map[string]int{}
	for k := range l.created {
		if n := int(l.created[k].Load()); n > 0 {
			res.Created[k] = n
		}
		if n := int(l.existing[k].Load()); n > 0 {
			res.Existing[k] = n
		}
	}
	res.Statuses = int(l.statuses.Load())
	res.Requests = l.requests.Load()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if n := l.failures.Load(); n > 0 {
		return res, fmt.Errorf("%d creates failed, first: %w", n, errors.Join(l.errs...))
	}
	return res, nil
}

// spread splits total over n parts of varied sizes (weights 1..7).
func spread(total, n int) []int {
	w := make([]int, n)
	sum := 0
	for i := range w {
		w[i] = 1 + int(h(appName(i))%7)
		sum += w[i]
	}
	out := make([]int, n)
	cum := 0
	for i := range w {
		a := cum * total / sum
		cum += w[i]
		out[i] = cum*total/sum - a
	}
	return out
}

func (l *loader) progress(start time.Time, stop chan struct{}) {
	t := time.NewTicker(l.o.Progress)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			n := int64(0)
			for k := range l.created {
				n += l.created[k].Load() + l.existing[k].Load()
			}
			el := time.Since(start)
			l.o.Logf("%d/%d objects, %d requests, %.0f objects/s", n, l.plan.Total(), l.requests.Load(), float64(n)/el.Seconds())
		}
	}
}

type task func(ctx context.Context) error

func (l *loader) run(ctx context.Context, tasks []task) {
	ch := make(chan task)
	var wg sync.WaitGroup
	for w := 0; w < l.o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range ch {
				if ctx.Err() != nil {
					continue
				}
				if err := t(ctx); err != nil {
					l.fail(err)
				}
			}
		}()
	}
	for _, t := range tasks {
		ch <- t
	}
	close(ch)
	wg.Wait()
}

func (l *loader) fail(err error) {
	l.failures.Add(1)
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if len(l.errs) < 5 {
		l.errs = append(l.errs, err)
		l.o.Logf("error: %v", err)
	}
}

var backoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 7}

func transient(err error) bool {
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err) ||
		utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)
}

// call runs one request with retries on transient errors.
func (l *loader) call(fn func() error) error {
	return retry.OnError(backoff, transient, func() error {
		l.requests.Add(1)
		return fn()
	})
}

// create creates obj; on AlreadyExists it reads the stored object back when
// get is given (children need its UID).
func create[T interface {
	metav1.Object
	runtime.Object
}](ctx context.Context, l *loader, kind string, obj T,
	c func(context.Context, T, metav1.CreateOptions) (T, error), get func(context.Context, string, metav1.GetOptions) (T, error)) (T, bool, error) {
	var out T
	err := l.call(func() (err error) { out, err = c(ctx, obj, metav1.CreateOptions{}); return err })
	if err == nil {
		l.created[kind].Add(1)
		return out, true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return out, false, fmt.Errorf("create %s %s: %w", kind, key(obj), err)
	}
	l.existing[kind].Add(1)
	if get == nil {
		return obj, false, nil
	}
	err = l.call(func() (err error) { out, err = get(ctx, obj.GetName(), metav1.GetOptions{}); return err })
	if err != nil {
		return out, false, fmt.Errorf("get %s %s: %w", kind, key(obj), err)
	}
	return out, false, nil
}

func key(o metav1.Object) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

func inNS[T metav1.Object](obj T, ns string) T { obj.SetNamespace(ns); return obj }

func (l *loader) clusterTasks() []task {
	var ts []task
	cs := l.cs
	for i := 0; i < l.plan.Namespaces; i++ {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "Namespace", namespace(i), cs.CoreV1().Namespaces().Create, nil)
			return err
		})
	}
	for i := 0; i < l.plan.Nodes; i++ {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "Node", node(i), cs.CoreV1().Nodes().Create, nil)
			return err
		})
	}
	defaults := defaultClusterRoles()
	for _, cr := range defaults {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ClusterRole", cr, cs.RbacV1().ClusterRoles().Create, nil)
			return err
		})
	}
	platform := l.plan.ClusterRoles - len(defaults)
	for i := 0; i < platform; i++ {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ClusterRole", clusterRole(i), cs.RbacV1().ClusterRoles().Create, nil)
			return err
		})
	}
	for i := 0; i < l.plan.ClusterRoleBindings; i++ {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ClusterRoleBinding", clusterRoleBinding(i, l.plan.Namespaces, platform), cs.RbacV1().ClusterRoleBindings().Create, nil)
			return err
		})
	}
	return ts
}

func (l *loader) limitRangeTasks() []task {
	var ts []task
	for i := 0; i < l.plan.Namespaces; i++ {
		ns := nsName(i)
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "LimitRange", inNS(limitRange(), ns), l.cs.CoreV1().LimitRanges(ns).Create, nil)
			return err
		})
	}
	return ts
}

// quotaTasks create each namespace's ResourceQuota last, with the status the
// quota controller would have written for what the namespace holds. (Created
// first, quota admission would add a quota status write to every Pod and
// Service create, and refuse them all until a controller filled the status.)
func (l *loader) quotaTasks() []task {
	var ts []task
	for i := 0; i < l.plan.Namespaces; i++ {
		ns := nsName(i)
		quotas := l.cs.CoreV1().ResourceQuotas(ns)
		ts = append(ts, func(ctx context.Context) error {
			q, created, err := create(ctx, l, "ResourceQuota", inNS(resourceQuota(), ns), quotas.Create, quotas.Get)
			if err != nil || (!created && len(q.Status.Hard) > 0) {
				return err
			}
			quotaStatus(q, int(l.nsPods[ns].Load()), int(l.nsServices[ns].Load()))
			l.statuses.Add(1)
			return l.call(func() error { _, err := quotas.UpdateStatus(ctx, q, metav1.UpdateOptions{}); return err })
		})
	}
	return ts
}

// node for the seq-th pod: workers only when there are more than the three control-plane nodes.
func (l *loader) nodeFor(seq int) (string, string) {
	i := seq % l.plan.Nodes
	if l.plan.Nodes > 3 {
		i = 3 + seq%(l.plan.Nodes-3)
	}
	return nodeName(i), nodeIP(i)
}

// pod creates p and writes a kubelet-like status to it.
func (l *loader) pod(ctx context.Context, p *corev1.Pod, hostIP string, succeeded bool) error {
	pods := l.cs.CoreV1().Pods(p.Namespace)
	out, created, err := create(ctx, l, "Pod", p, pods.Create, nil)
	if n := l.nsPods[p.Namespace]; err == nil && n != nil {
		n.Add(1)
	}
	if err != nil || !created || l.o.NoPodStatus {
		return err
	}
	seq := int(l.podSeq.Add(1))
	if succeeded {
		out.Status = succeededStatus(out, podIP(seq), hostIP, seq)
	} else {
		out.Status = runningStatus(out, podIP(seq), hostIP, seq)
	}
	l.statuses.Add(1)
	err = l.call(func() error { _, err := pods.UpdateStatus(ctx, out, metav1.UpdateOptions{}); return err })
	if err != nil {
		return fmt.Errorf("status of pod %s: %w", key(p), err)
	}
	return nil
}

func (l *loader) namespacedTasks() []task {
	p := l.plan
	cs := l.cs
	var chains, singles []task
	var podSeq atomic.Int64 // node placement
	nextNode := func() (string, string) { return l.nodeFor(int(podSeq.Add(1))) }

	// Deployments with their ReplicaSets and Pods: one chain each.
	cmPerApp, cmExtra := 0, 0
	if rest := p.ConfigMaps - p.Namespaces; rest > 0 {
		cmPerApp, cmExtra = rest/p.Deployments, rest%p.Deployments
	}
	svcIP := 0
	for i := 0; i < p.Deployments; i++ {
		ns := nsName(i % p.Namespaces)
		app := appName(i)
		v := variant(app, nsLevel(i%p.Namespaces))
		sidecar := h(app+"s")%3 == 0
		replicas := int32(l.replicas[i])
		chains = append(chains, func(ctx context.Context) error {
			deploys := cs.AppsV1().Deployments(ns)
			d, _, err := create(ctx, l, "Deployment", inNS(deployment(app, app, replicas, v, sidecar, p.ReplicaSetsPerDeploy), ns), deploys.Create, deploys.Get)
			if err != nil {
				return err
			}
			rss := cs.AppsV1().ReplicaSets(ns)
			for rev := 1; rev <= p.ReplicaSetsPerDeploy; rev++ {
				current := rev == p.ReplicaSetsPerDeploy
				var get func(context.Context, string, metav1.GetOptions) (*appsv1.ReplicaSet, error)
				if current {
					get = rss.Get
				}
				rs, _, err := create(ctx, l, "ReplicaSet", inNS(replicaSet(d, rev, current, app, v, sidecar), ns), rss.Create, get)
				if err != nil {
					return err
				}
				if !current {
					continue
				}
				for k := 0; k < int(replicas); k++ {
					node, hostIP := nextNode()
					pod := inNS(podFrom(rs.Name+"-"+suffix(rs.Name+fmt.Sprint(k), 5), &rs.Spec.Template, "ReplicaSet", "apps/v1", rs.Name, string(rs.UID), node), ns)
					if err := l.pod(ctx, pod, hostIP, false); err != nil {
						return err
					}
				}
			}
			return nil
		})
		// The app's own objects.
		singles = append(singles, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ServiceAccount", inNS(serviceAccount(app, i), ns), cs.CoreV1().ServiceAccounts(ns).Create, nil)
			return err
		}, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "NetworkPolicy", inNS(appNetworkPolicy(app, i), ns), cs.NetworkingV1().NetworkPolicies(ns).Create, nil)
			return err
		})
		for _, s := range secrets(app, i) {
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "Secret", inNS(s, ns), cs.CoreV1().Secrets(ns).Create, nil)
				return err
			})
		}
		n := cmPerApp
		if i < cmExtra {
			n++
		}
		for k := 0; k < n; k++ {
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "ConfigMap", inNS(configMap(app, k), ns), cs.CoreV1().ConfigMaps(ns).Create, nil)
				return err
			})
		}
		if i%2 == 0 && i/2 < p.Deployments/2 {
			withIP := svcIP < 150 // the harness' service CIDR is a /24
			svcIP++
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "Service", inNS(service(app, withIP), ns), cs.CoreV1().Services(ns).Create, nil)
				if err == nil {
					l.nsServices[ns].Add(1)
				}
				return err
			})
		}
	}

	// StatefulSets with their Pods and headless Services.
	for i := 0; i < p.StatefulSets; i++ {
		ni := (i * 3) % p.Namespaces
		ns := nsName(ni)
		app := fmt.Sprintf("%s-db-%03d", nouns[i%len(nouns)], i)
		v := variant(app, nsLevel(ni))
		chains = append(chains, func(ctx context.Context) error {
			sets := cs.AppsV1().StatefulSets(ns)
			s, _, err := create(ctx, l, "StatefulSet", inNS(statefulSet(app, "default", int32(p.StatefulSetReplicas), v), ns), sets.Create, sets.Get)
			if err != nil {
				return err
			}
			for k := 0; k < p.StatefulSetReplicas; k++ {
				node, hostIP := nextNode()
				if err := l.pod(ctx, inNS(statefulPod(s, k, node), ns), hostIP, false); err != nil {
					return err
				}
			}
			return nil
		})
		singles = append(singles, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "Service", inNS(service(app, false), ns), cs.CoreV1().Services(ns).Create, nil)
			if err == nil {
				l.nsServices[ns].Add(1)
			}
			return err
		})
	}

	// DaemonSets in kube-system, one Pod per Node.
	for i := 0; i < p.DaemonSets; i++ {
		chains = append(chains, func(ctx context.Context) error {
			dss := cs.AppsV1().DaemonSets("kube-system")
			d, _, err := create(ctx, l, "DaemonSet", inNS(daemonSet(i), "kube-system"), dss.Create, dss.Get)
			if err != nil {
				return err
			}
			for n := 0; n < p.Nodes; n++ {
				if err := l.pod(ctx, inNS(daemonPod(d, nodeName(n)), "kube-system"), nodeIP(n), false); err != nil {
					return err
				}
			}
			return nil
		})
	}

	// CronJobs with their Jobs, one Succeeded Pod each.
	for i := 0; i < p.CronJobs; i++ {
		ni := (i * 7) % p.Namespaces
		ns := nsName(ni)
		app := fmt.Sprintf("%s-batch-%03d", nouns[i%len(nouns)], i)
		v := variant(app, nsLevel(ni))
		chains = append(chains, func(ctx context.Context) error {
			cjs := cs.BatchV1().CronJobs(ns)
			c, _, err := create(ctx, l, "CronJob", inNS(cronJob(app, "default", v), ns), cjs.Create, cjs.Get)
			if err != nil {
				return err
			}
			jobs := cs.BatchV1().Jobs(ns)
			for k := 0; k < p.JobsPerCronJob; k++ {
				j, _, err := create(ctx, l, "Job", inNS(job(c, k), ns), jobs.Create, jobs.Get)
				if err != nil {
					return err
				}
				node, hostIP := nextNode()
				if err := l.pod(ctx, inNS(jobPod(j, node), ns), hostIP, true); err != nil {
					return err
				}
			}
			return nil
		})
	}

	// Per namespace: default ServiceAccount, root CA, policies, Roles and RoleBindings.
	for i := 0; i < p.Namespaces; i++ {
		ns := nsName(i)
		var apps []string
		for d := i; d < p.Deployments && len(apps) < 10; d += p.Namespaces {
			apps = append(apps, appName(d))
		}
		singles = append(singles, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ServiceAccount", inNS(serviceAccount("default", 1), ns), cs.CoreV1().ServiceAccounts(ns).Create, nil)
			return err
		}, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ConfigMap", inNS(rootCA(), ns), cs.CoreV1().ConfigMaps(ns).Create, nil)
			return err
		})
		for _, np := range networkPolicies(i) {
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "NetworkPolicy", inNS(np, ns), cs.NetworkingV1().NetworkPolicies(ns).Create, nil)
				return err
			})
		}
		for k := 0; k < p.Roles/p.Namespaces; k++ {
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "Role", inNS(role(k), ns), cs.RbacV1().Roles(ns).Create, nil)
				return err
			})
		}
		for k := 0; k < p.RoleBindings/p.Namespaces; k++ {
			singles = append(singles, func(ctx context.Context) error {
				_, _, err := create(ctx, l, "RoleBinding", inNS(roleBinding(ns, k, apps), ns), cs.RbacV1().RoleBindings(ns).Create, nil)
				return err
			})
		}
	}
	// Long chains first so they overlap with the single creates.
	return append(chains, singles...)
}

func (l *loader) webhookTasks() []task {
	vs, ms := webhooks(l.plan.WebhookConfigurations)
	var ts []task
	for _, v := range vs {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "ValidatingWebhookConfiguration", v, l.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create, nil)
			return err
		})
	}
	for _, m := range ms {
		ts = append(ts, func(ctx context.Context) error {
			_, _, err := create(ctx, l, "MutatingWebhookConfiguration", m, l.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create, nil)
			return err
		})
	}
	return ts
}
