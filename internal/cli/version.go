package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what `kubeward version` reports.
type versionInfo struct {
	Version   string `json:"version"`
	Module    string `json:"module,omitempty"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// buildInfo is debug.ReadBuildInfo (tests replace it).
var buildInfo = debug.ReadBuildInfo

// currentVersion is the -ldflags Version when set, else the module version
// the binary was built as (go install ...@v1.2.3; "(devel)" from a checkout),
// with the VCS revision, its time and whether the tree was modified.
func currentVersion() versionInfo {
	v := versionInfo{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := buildInfo()
	if !ok {
		return v
	}
	v.Module = bi.Main.Path
	if Version == "dev" && bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func newVersionCommand(g *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print kubeward's version, VCS revision and whether the tree was modified",
		Args:  cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if format != "text" && format != "json" {
				return usageError("-o: unknown format %q for version (want text or json)", format)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := currentVersion()
			w := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			line := "kubeward " + v.Version
			if v.Revision != "" {
				line += " revision " + v.Revision
				if v.Modified {
					line += " (modified)"
				}
			}
			if v.Time != "" {
				line += " " + v.Time
			}
			_, err := fmt.Fprintf(w, "%s %s %s\n", line, v.GoVersion, v.Platform)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text or json")
	return cmd
}
