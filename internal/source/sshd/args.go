package sshd

import (
	"strings"
)

// optsWithArg are sshd's options that take an argument (its getopt string
// is "C:E:b:c:f:g:h:k:o:p:u:46DGQRTdeiqrtV").
const optsWithArg = "CEbcfghkopu"

// keepForT are the options that change what `sshd -T` reports: the config
// file, -o overrides, host keys and certificates (sshd -T loads them),
// ports and address family, grace time and utmp length.
const keepForT = "fohcpgu46"

// Options is how one sshd was started.
type Options struct {
	// Argv is the command line, recovered from sshd's process title when
	// sshd has rewritten it.
	Argv []string
	// ConfigFile is the -f argument, or DefaultConfig.
	ConfigFile string
	// ConfigNamed is true when -f names the file.
	ConfigNamed bool
	// Overrides are the -o arguments in order.
	Overrides []string
	// TArgs are the options to repeat when asking `sshd -T`.
	TArgs []string
}

// ProcArgs turns a command line read from /proc/PID/cmdline into argv.
// A running sshd replaces its arguments with one process title such as
// "sshd: /usr/sbin/sshd -D -f /etc/ssh/alt [listener] 0 of 10-100
// startups": the original words are recovered from it (a path holding
// spaces cannot be told apart there).
func ProcArgs(args []string) []string {
	if len(args) != 1 || !strings.HasPrefix(args[0], "sshd: ") {
		return args
	}
	words := strings.Fields(strings.TrimPrefix(args[0], "sshd: "))
	for i, w := range words {
		if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") {
			return words[:i]
		}
	}
	return words
}

// ParseArgs reads an sshd command line (argv[0] first) with sshd's own
// option syntax: clustered flags (-De), arguments attached (-f/path) or
// separate (-f /path), "--" ending the options.
func ParseArgs(argv []string) Options {
	argv = ProcArgs(argv)
	o := Options{Argv: argv, ConfigFile: DefaultConfig}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			if !strings.ContainsRune(optsWithArg, rune(opt)) {
				if strings.ContainsRune(keepForT, rune(opt)) {
					o.TArgs = append(o.TArgs, "-"+string(opt))
				}
				continue
			}
			val := a[j+1:]
			if val == "" {
				if i+1 >= len(argv) {
					break
				}
				i++
				val = argv[i]
			}
			switch opt {
			case 'f':
				o.ConfigFile, o.ConfigNamed = val, true
			case 'o':
				o.Overrides = append(o.Overrides, val)
			}
			if strings.ContainsRune(keepForT, rune(opt)) {
				o.TArgs = append(o.TArgs, "-"+string(opt), val)
			}
			break
		}
	}
	return o
}
