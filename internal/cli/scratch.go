package cli

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// scratch holds the temporary directories a command made (an unpacked
// snapshot), so that they are removed on every exit path: the command's
// own defer on return and errors, and a signal handler on SIGINT and
// SIGTERM, which Go would otherwise answer by exiting without running defers.
var scratch struct {
	mu      sync.Mutex
	dirs    map[string]bool
	handler sync.Once
}

// newScratchDir makes a temporary directory and returns it with the
// function that removes it. The directory is also removed if the process is
// interrupted or terminated while it exists.
func newScratchDir(pattern string) (string, func(), error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, fmt.Errorf("temporary directory: %w", err)
	}
	scratch.mu.Lock()
	if scratch.dirs == nil {
		scratch.dirs = map[string]bool{}
	}
	scratch.dirs[dir] = true
	scratch.mu.Unlock()
	scratch.handler.Do(func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() {
			s := <-sig
			removeScratchDirs()
			code := 128 + 2
			if s == syscall.SIGTERM {
				code = 128 + 15
			}
			os.Exit(code)
		}()
	})
	return dir, func() {
		scratch.mu.Lock()
		delete(scratch.dirs, dir)
		scratch.mu.Unlock()
		_ = os.RemoveAll(dir)
	}, nil
}

func removeScratchDirs() {
	scratch.mu.Lock()
	defer scratch.mu.Unlock()
	for dir := range scratch.dirs {
		_ = os.RemoveAll(dir)
		delete(scratch.dirs, dir)
	}
}
