package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	markerFile = ".kubeward-harness"
	stateFile  = "state.json"
)

// ErrMissingBinaries is returned (wrapped) by Up when binaries are not built yet.
var ErrMissingBinaries = errors.New("harness: binaries missing (run test/cluster/build.sh)")

// Cluster is a running control plane.
type Cluster struct {
	Options Options
	Files   *Files

	mu    sync.Mutex
	procs []*Process

	// With Options.IsolateListeners: the namespace of the isolated components
	// and the forwarder that carries their traffic to the apiserver.
	ns  *netns
	fwd *forwarder
}

// State is what Up records in <Dir>/state.json (read by Down and by tests).
type State struct {
	Profile         Profile    `json:"profile"`
	Dir             string     `json:"dir"`
	Ports           Ports      `json:"ports"`
	NodeName        string     `json:"nodeName"`
	APIServerURL    string     `json:"apiServerURL"`
	AdminKubeconfig string     `json:"adminKubeconfig"`
	Processes       []*Process `json:"processes"`
}

// Up writes PKI and configuration below opts.Dir and starts the components one after
// the other, waiting for each to report healthy. On error everything started is
// stopped again. opts.Dir must be empty, missing, or a directory from an earlier Up
// (it is then wiped, unless its processes still run).
func Up(ctx context.Context, opts Options) (*Cluster, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	need := []string{"etcd", "kube-apiserver"}
	if !opts.SkipControllers {
		need = append(need, "kube-controller-manager", "kube-scheduler")
	}
	if !opts.SkipProxy {
		need = append(need, "kube-proxy")
	}
	if opts.Kubelet {
		need = append(need, "kubelet")
	}
	if m := MissingBinaries(opts.BinDir, need...); len(m) > 0 {
		return nil, fmt.Errorf("%w: %s not in %s", ErrMissingBinaries, strings.Join(m, ", "), opts.BinDir)
	}
	if opts.Kubelet && !ContainerRuntimeAvailable(opts.ContainerRuntimeEndpoint) {
		return nil, fmt.Errorf("harness: kubelet requested but no container runtime socket at %s", opts.ContainerRuntimeEndpoint)
	}
	if opts.Kubelet {
		if pids := RunningKubelets(); len(pids) > 0 {
			return nil, fmt.Errorf("harness: a kubelet is already running (pid %v); two kubelets on one container runtime kill each other's pods", pids)
		}
	}
	if err := prepareDir(opts.Dir); err != nil {
		return nil, err
	}
	if err := checkPortsFree(opts); err != nil {
		return nil, err
	}
	if opts.Profile == Hardened && opts.Kubelet && protectKernelDefaults(&opts) {
		if m := KernelDefaultsMismatch(); len(m) > 0 {
			// Without this the hardened kubelet exits with "invalid kernel flag".
			opts.Logf("setting host sysctls for protectKernelDefaults (as any kubelet without it would): %s", strings.Join(m, ", "))
			if err := applyKernelDefaults(); err != nil {
				if opts.ProtectKernelDefaults != nil {
					return nil, fmt.Errorf("harness: protectKernelDefaults needs host sysctls %s: %w", strings.Join(m, ", "), err)
				}
				opts.Logf("cannot set them (%v); hardened kubelet runs with protectKernelDefaults=false", err)
				f := false
				opts.ProtectKernelDefaults = &f
			}
		}
	}
	files, err := writeAll(&opts)
	if err != nil {
		return nil, fmt.Errorf("harness: writing configuration: %w", err)
	}
	c := &Cluster{Options: opts, Files: files}
	if opts.IsolateListeners {
		if err := c.isolate(); err != nil {
			return nil, err
		}
	}
	// etcd and kube-apiserver one after the other; the rest depend only on the
	// apiserver, so start them together and then wait for each (kube-proxy waits up to
	// 30 s for its Node object, which only a kubelet creates).
	comps := c.components()
	procs := make([]*Process, len(comps))
	waited := 0
	for i, comp := range comps {
		p, err := c.start(comp)
		if err != nil {
			_ = c.Stop()
			return nil, err
		}
		procs[i] = p
		if i >= 2 && i < len(comps)-1 {
			continue // start the next one before waiting
		}
		for ; waited <= i; waited++ {
			if err := c.waitHealthy(ctx, comps[waited], procs[waited]); err != nil {
				_ = c.Stop()
				return nil, err
			}
		}
	}
	return c, nil
}

func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, markerFile), nil, 0o644)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return os.WriteFile(filepath.Join(dir, markerFile), nil, 0o644)
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
		return fmt.Errorf("harness: %s is not empty and was not created by the harness; refusing to use it", dir)
	}
	if st, err := ReadState(dir); err == nil {
		for _, p := range st.Processes {
			if p.alive() {
				return fmt.Errorf("harness: %s still has a running %s (pid %d); run Down first", dir, p.Name, p.Pid)
			}
		}
	}
	unmountBelow(dir)
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, markerFile), nil, 0o644)
}

func checkPortsFree(o Options) error {
	p := o.Ports
	ports := []int{p.EtcdClient, p.EtcdPeer, p.APIServer}
	if !o.SkipControllers {
		ports = append(ports, p.ControllerManager, p.Scheduler)
	}
	if !o.SkipProxy {
		ports = append(ports, p.ProxyMetrics, p.ProxyHealthz)
	}
	if o.Kubelet {
		ports = append(ports, p.Kubelet, p.KubeletHealthz)
		if o.Profile == Insecure {
			ports = append(ports, p.KubeletReadOnly)
		}
	}
	for _, port := range ports {
		l, err := net.Listen("tcp", loopback(port))
		if err != nil {
			return fmt.Errorf("harness: port 127.0.0.1:%d is busy: %w", port, err)
		}
		l.Close()
	}
	return nil
}

func (c *Cluster) start(comp component) (*Process, error) {
	o := c.Options
	bin := filepath.Join(o.BinDir, comp.Name)
	logPath := filepath.Join(c.Files.LogDir, comp.Name+".log")
	o.Logf("starting %s", comp.Name)
	var ns *netns
	if comp.Isolated {
		ns = c.ns
	}
	p, err := startProcess(comp.Name, bin, comp.Args, logPath, o.Detach, ns)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, c.writeState()
}

func (c *Cluster) waitHealthy(ctx context.Context, comp component, p *Process) error {
	o := c.Options
	timeout := 60 * time.Second
	if comp.Name == "kube-apiserver" || comp.Name == "kubelet" {
		timeout = 120 * time.Second
	}
	client, err := c.healthClient(comp.HealthTLS)
	if err != nil {
		return err
	}
	if comp.Isolated {
		client.Transport.(*http.Transport).DialContext = c.ns.DialContext
	}
	start := time.Now()
	if err := waitHealthy(ctx, client, comp.Health, p, timeout); err != nil {
		return fmt.Errorf("harness: %s did not become healthy: %w\n--- last lines of %s:\n%s", comp.Name, err, p.Log, p.LogTail(25))
	}
	o.Logf("%s healthy after %s (pid %d)", comp.Name, time.Since(start).Round(100*time.Millisecond), p.Pid)
	return nil
}

func waitHealthy(ctx context.Context, client *http.Client, url string, p *Process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		if p.Exited() {
			return fmt.Errorf("process exited")
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %s)", ctx.Err(), last)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (c *Cluster) healthClient(mode healthTLS) (*http.Client, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{}, DisableKeepAlives: true}
	p := c.Files.PKI
	switch mode {
	case healthInsecureTLS:
		tr.TLSClientConfig.InsecureSkipVerify = true
	case healthAdminToken:
		tr.TLSClientConfig.InsecureSkipVerify = true
		return &http.Client{Transport: bearer{c.Files.Tokens["kubernetes-admin"], tr}, Timeout: 5 * time.Second}, nil
	case healthEtcdClient, healthAdmin:
		ca, kp := p.EtcdCA, p.EtcdHealthcheck
		if mode == healthAdmin {
			ca, kp = p.CA, p.Admin
		}
		pool := x509.NewCertPool()
		pool.AddCert(ca.Cert)
		cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}, nil
}

// APIServerURL is https://127.0.0.1:<port>.
func (c *Cluster) APIServerURL() string {
	return "https://" + loopback(c.Options.Ports.APIServer)
}

// AdminKubeconfig is a kubeconfig with cluster-admin rights (hardened: system:masters
// client certificate; insecure: anonymous, which AlwaysAllow authorizes).
func (c *Cluster) AdminKubeconfig() string { return c.Files.AdminKubeconfig }

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// Client returns an HTTP client for the apiserver authenticated as the admin.
func (c *Cluster) Client() (*http.Client, error) {
	return c.ClientAs("kubernetes-admin")
}

// ClientAs returns an HTTP client for the apiserver authenticated as one of the
// harness identities: "kubernetes-admin", "system:kube-controller-manager",
// "system:kube-scheduler", "system:kube-proxy", "system:node:<NodeName>", or "" for
// anonymous.
func (c *Cluster) ClientAs(user string) (*http.Client, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{}}
	var rt http.RoundTripper = tr
	p := c.Files.PKI
	switch {
	case user == "":
		tr.TLSClientConfig.InsecureSkipVerify = true
	case c.Options.Profile == Insecure:
		tok, ok := c.Files.Tokens[user]
		if !ok {
			return nil, fmt.Errorf("harness: unknown user %q", user)
		}
		tr.TLSClientConfig.InsecureSkipVerify = true
		rt = bearer{tok, tr}
	default:
		kp, ok := map[string]KeyPair{
			"kubernetes-admin": p.Admin, "system:kube-controller-manager": p.ControllerManager,
			"system:kube-scheduler": p.Scheduler, "system:kube-proxy": p.KubeProxy,
			"system:node:" + c.Options.NodeName: p.Kubelet,
		}[user]
		if !ok {
			return nil, fmt.Errorf("harness: unknown user %q", user)
		}
		cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AddCert(p.CA.Cert)
		tr.TLSClientConfig.RootCAs = pool
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: rt, Timeout: 30 * time.Second}, nil
}

// Get performs a GET of path (e.g. "/version") on the apiserver as the admin.
func (c *Cluster) Get(ctx context.Context, path string) ([]byte, error) {
	return c.GetAs(ctx, "kubernetes-admin", path)
}

// GetAs performs a GET of path as user (see ClientAs). Non-2xx answers are errors
// (*StatusError) that carry the status code.
func (c *Cluster) GetAs(ctx context.Context, user, path string) ([]byte, error) {
	return c.Do(ctx, user, http.MethodGet, path, nil)
}

// Do sends a request with an optional JSON body to the apiserver as user (see ClientAs).
func (c *Cluster) Do(ctx context.Context, user, method, path string, body []byte) ([]byte, error) {
	cl, err := c.ClientAs(user)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.APIServerURL()+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return out, &StatusError{Code: resp.StatusCode, Msg: fmt.Sprintf("%s %s as %q: %s: %s", method, path, user, resp.Status, strings.TrimSpace(string(out)))}
	}
	return out, nil
}

// EtcdGet reads a raw value from etcd (through its JSON gateway, with the apiserver's
// etcd client certificate in the hardened profile), e.g. "/registry/secrets/NS/NAME"
// to check encryption at rest. A missing key yields (nil, nil).
func (c *Cluster) EtcdGet(ctx context.Context, key string) ([]byte, error) {
	cl, err := c.healthClient(healthEtcdClient)
	if c.Options.Profile == Insecure {
		cl, err = c.healthClient(healthPlain)
	}
	if err != nil {
		return nil, err
	}
	clientURL, _ := c.etcdURLs()
	q, _ := json.Marshal(map[string][]byte{"key": []byte(key)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, clientURL+"/v3/kv/range", bytes.NewReader(q))
	if err != nil {
		return nil, err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Kvs []struct{ Value []byte }
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("etcd range %s: %s", key, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	if len(r.Kvs) == 0 {
		return nil, nil
	}
	return r.Kvs[0].Value, nil
}

// StatusError is a non-2xx answer from the apiserver.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string { return e.Msg }

// StatusCode extracts the HTTP status of a *StatusError (0 otherwise).
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// Processes returns the started components in start order.
func (c *Cluster) Processes() []*Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Process(nil), c.procs...)
}

// Process returns the named component, or nil.
func (c *Cluster) Process(name string) *Process {
	for _, p := range c.Processes() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (c *Cluster) state() *State {
	return &State{
		Profile: c.Options.Profile, Dir: c.Options.Dir, Ports: c.Options.Ports, NodeName: c.Options.NodeName,
		APIServerURL: c.APIServerURL(), AdminKubeconfig: c.Files.AdminKubeconfig, Processes: c.Processes(),
	}
}

func (c *Cluster) writeState() error {
	data, err := json.MarshalIndent(c.state(), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Options.Dir, stateFile), data, 0o644)
}

// ReadState reads <dir>/state.json.
func ReadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	st := &State{}
	return st, json.Unmarshal(data, st)
}

// Stop stops every component in reverse start order and cleans up host state
// (kube-proxy iptables rules, kubelet mounts). Safe to call more than once.
func (c *Cluster) Stop() error {
	err := stopAll(c.Processes(), c.Options.Logf)
	_ = c.writeState()
	if c.fwd != nil {
		err = errors.Join(err, c.fwd.Close())
		c.fwd = nil
	}
	if c.ns != nil {
		err = errors.Join(err, c.ns.delete())
		c.ns = nil
	}
	return err
}

// isolate creates the network namespace for Options.IsolateListeners and a
// forwarder inside it to the apiserver's loopback address, so the isolated
// components' kubeconfigs (https://127.0.0.1:<port>) work unchanged.
func (c *Cluster) isolate() error {
	o := c.Options
	if o.Detach {
		return fmt.Errorf("harness: IsolateListeners needs the harness process to stay (its forwarder); it cannot be combined with Detach")
	}
	if o.Profile != Insecure {
		return fmt.Errorf("harness: IsolateListeners is for the insecure profile (the hardened one binds 127.0.0.1 anyway)")
	}
	ns, err := newNetns(fmt.Sprintf("kw-%s-%d", o.Profile, os.Getpid()))
	if err != nil {
		return err
	}
	fwd, err := ns.forward(loopback(o.Ports.APIServer))
	if err != nil {
		_ = ns.delete()
		return err
	}
	c.ns, c.fwd = ns, fwd
	return nil
}

// Down stops the control plane recorded in <dir>/state.json (e.g. one started by
// `harness up`, which detaches). The directory is left in place for inspection.
func Down(dir string, logf func(string, ...any)) error {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	st, err := ReadState(dir)
	if err != nil {
		return fmt.Errorf("harness: no control plane recorded in %s: %w", dir, err)
	}
	return stopAll(st.Processes, logf)
}

func stopAll(procs []*Process, logf func(string, ...any)) error {
	var errs []error
	var proxy *Process
	dirs := map[string]bool{}
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if p.Name == "kube-proxy" {
			proxy = p
		}
		if p.Name == "kubelet" {
			for _, a := range p.Args {
				if d, ok := strings.CutPrefix(a, "--root-dir="); ok {
					dirs[d] = true
				}
			}
		}
		if p.Exited() {
			continue
		}
		logf("stopping %s (pid %d)", p.Name, p.Pid)
		if err := p.Stop(20 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if proxy != nil && proxy.Netns == "" {
		// Remove the KUBE-* iptables/nftables chains kube-proxy installed, unless another
		// kube-proxy (e.g. of a second harness control plane) still uses them.
		if pids := running("kube-proxy"); len(pids) > 0 {
			logf("another kube-proxy is running (pid %v): leaving iptables rules in place", pids)
		} else if out, err := exec.Command(proxy.Binary, "--cleanup").CombinedOutput(); err != nil {
			logf("kube-proxy --cleanup: %v: %s", err, lastLines(string(out), 5))
		}
	}
	for d := range dirs {
		unmountBelow(d)
		if len(RunningKubelets()) == 0 {
			removeKubeletIPTables()
			removeKubepodsCgroups()
		}
	}
	return errors.Join(errs...)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// unmountBelow lazily unmounts every mount point below dir (the kubelet mounts pod
// volumes under its root directory), deepest first.
func unmountBelow(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	prefix := filepath.Clean(dir) + "/"
	var mounts []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4]+"/", prefix) {
			mounts = append(mounts, fields[4])
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for _, m := range mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
}

// removeKubeletIPTables deletes the chains a kubelet with makeIPTablesUtilChains
// installs (KUBE-FIREWALL drops non-loopback traffic to 127.0.0.0/8) and its canaries;
// `kube-proxy --cleanup` leaves them. Best effort.
func removeKubeletIPTables() {
	for _, bin := range []string{"iptables", "ip6tables"} {
		if _, err := exec.LookPath(bin); err != nil {
			continue
		}
		run := func(args ...string) error { return exec.Command(bin, append([]string{"-w", "5"}, args...)...).Run() }
		for _, chain := range []string{"INPUT", "OUTPUT"} {
			for i := 0; i < 10 && run("-t", "filter", "-D", chain, "-j", "KUBE-FIREWALL") == nil; i++ {
			}
		}
		_ = run("-t", "filter", "-F", "KUBE-FIREWALL")
		_ = run("-t", "filter", "-X", "KUBE-FIREWALL")
		for _, table := range []string{"mangle", "nat", "filter"} {
			_ = run("-t", table, "-F", "KUBE-KUBELET-CANARY")
			_ = run("-t", table, "-X", "KUBE-KUBELET-CANARY")
		}
		_ = run("-t", "mangle", "-X", "KUBE-IPTABLES-HINT")
	}
}

// RunningKubelets returns the PIDs of running kubelet processes (any, not only ours).
func RunningKubelets() []int { return running("kubelet") }

// running returns the PIDs of live processes whose comm is name.
func running(name string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(comm)) == name {
			if st, _ := procState(pid); st != "Z" {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// removeKubepodsCgroups removes the (empty) kubepods cgroup trees a kubelet with
// cgroupsPerQOS creates. Cgroups that still hold processes stay. Best effort.
func removeKubepodsCgroups() {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods*")
	if st, err := os.Stat("/sys/fs/cgroup/kubepods.slice"); err == nil && st.IsDir() {
		roots = append(roots, "/sys/fs/cgroup/kubepods.slice")
	}
	if st, err := os.Stat("/sys/fs/cgroup/kubepods"); err == nil && st.IsDir() {
		roots = append(roots, "/sys/fs/cgroup/kubepods")
	}
	for _, root := range roots {
		var dirs []string
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			_ = syscall.Rmdir(dirs[i])
		}
	}
}
