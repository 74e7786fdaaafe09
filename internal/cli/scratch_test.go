package cli

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process makes a scratch directory, prints it and waits to be
// signalled, as a scan of a large snapshot would.
func TestScratchHelperProcess(t *testing.T) {
	if os.Getenv("KUBEWARD_SCRATCH_HELPER") != "1" {
		t.Skip("helper process for TestScratchDirRemovedOnSignal")
	}
	dir, _, err := newScratchDir("kubeward-scratch-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/proc-environ", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString(dir + "\n")
	time.Sleep(time.Minute)
}

func TestScratchDirRemovedOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestScratchHelperProcess$")
			cmd.Env = append(os.Environ(), "KUBEWARD_SCRATCH_HELPER=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				_ = cmd.Process.Kill()
				t.Fatalf("helper printed no directory: %v", err)
			}
			dir := strings.TrimSpace(line)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("scratch directory %s missing before the signal: %v", dir, err)
			}
			_ = cmd.Process.Signal(sig)
			err = cmd.Wait()
			if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("exit after %v: %v, want code %d", sig, err, 128+int(sig))
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				_ = os.RemoveAll(dir)
				t.Errorf("scratch directory %s left after %v", dir, sig)
			}
		})
	}
}

func TestScratchDirRemovedOnReturn(t *testing.T) {
	dir, remove, err := newScratchDir("kubeward-scratch-test-")
	if err != nil {
		t.Fatal(err)
	}
	remove()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("scratch directory %s left after remove", dir)
	}
}
