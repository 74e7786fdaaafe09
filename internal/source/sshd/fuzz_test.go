package sshd

import "testing"

// sshd_config and `sshd -T` output come from the audited host: any bytes
// give a configuration or an error, never a panic, and every keyword the
// checks ask about resolves.
func FuzzLoadAndResolve(f *testing.F) {
	f.Add([]byte("PasswordAuthentication no\nInclude /etc/ssh/sshd_config.d/*.conf\nMatch User backup\n  PasswordAuthentication yes\n"), []byte("passwordauthentication no\npermitrootlogin prohibit-password\n"))
	f.Add([]byte("Include /etc/ssh/sshd_config\nMatch\n\"unterminated\n"), []byte("\x00\n"))
	f.Add([]byte("PermitRootLogin=yes # comment\n\tKbdInteractiveAuthentication\n"), []byte(""))
	f.Fuzz(func(t *testing.T, config, tOutput []byte) {
		files := mapFiles{DefaultConfig: string(config), "/etc/ssh/sshd_config.d/a.conf": string(config)}
		cfg, err := Load(files, DefaultConfig, nil)
		if err != nil {
			return
		}
		parsed := ParseT(tOutput)
		for _, k := range []string{"PasswordAuthentication", "KbdInteractiveAuthentication", "PermitRootLogin", "PubkeyAuthentication"} {
			Resolve(cfg, parsed, "sshd -T", k)
		}
	})
}
