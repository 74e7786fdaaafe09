package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a running component.
type Process struct {
	Name      string   `json:"name"`
	Pid       int      `json:"pid"`
	StartTime uint64   `json:"startTime"` // field 22 of /proc/PID/stat; guards against PID reuse
	Log       string   `json:"log"`
	Binary    string   `json:"binary"`
	Args      []string `json:"args"`
	Netns     string   `json:"netns,omitempty"` // network namespace it runs in; "" for the host's

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returns (only for processes started here)
}

func startProcess(name, bin string, args []string, logPath string, detach bool, ns *netns) (*Process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== %s %s\n", time.Now().Format(time.RFC3339), commandLine(bin, args))
	path, argv := bin, args
	if ns != nil {
		path, argv = ns.command(bin, args)
	}
	cmd := exec.Command(path, argv...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Dir = "/"
	if detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		// Die with the test binary even if it is killed without cleanup.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Pid: cmd.Process.Pid, Log: logPath, Binary: bin, Args: args, cmd: cmd, done: make(chan struct{})}
	if ns != nil {
		p.Netns = ns.name
	}
	p.StartTime, _ = procStartTime(p.Pid)
	go func() {
		err := cmd.Wait()
		if f, ferr := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0); ferr == nil {
			fmt.Fprintf(f, "=== %s %s exited: %v\n", time.Now().Format(time.RFC3339), name, errOrZero(err))
			f.Close()
		}
		close(p.done)
	}()
	return p, nil
}

func errOrZero(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	if p.done != nil {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	}
	return !p.alive()
}

// alive checks a process not started by this Go process (e.g. read from state.json).
func (p *Process) alive() bool {
	st, err := procStartTime(p.Pid)
	if err != nil {
		return false
	}
	if p.StartTime != 0 && st != p.StartTime {
		return false // PID reused by something else
	}
	state, _ := procState(p.Pid)
	return state != "Z" && state != "X"
}

// Stop sends SIGTERM, waits up to grace, then SIGKILLs.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	if err := syscall.Kill(p.Pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", p.Name, p.Pid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(p.Pid, syscall.SIGKILL)
	for i := 0; i < 50 && !p.Exited(); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !p.Exited() {
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.Name, p.Pid)
	}
	return nil
}

// LogTail returns the last n lines of the component's log.
func (p *Process) LogTail(n int) string {
	data, err := os.ReadFile(p.Log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func readStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// comm (field 2) may contain spaces; fields after the last ')' are well formed.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strings.Fields(string(data[i+1:])), nil // [0] is field 3 (state)
}

func procStartTime(pid int) (uint64, error) {
	f, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	if len(f) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64) // field 22
}

func procState(pid int) (string, error) {
	f, err := readStat(pid)
	if err != nil {
		return "", err
	}
	return f[0], nil
}
