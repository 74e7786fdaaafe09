package cli

import (
	"io"

	"github.com/kubeward/kubeward/internal/report"
)

// writeCatalogMarkdown renders docs/checks.md from the catalogue (with an
// anchor per check ID for SARIF helpUri; headings and headers in lang).
func writeCatalogMarkdown(w io.Writer, _ []catalogEntry, lang string) error {
	return report.WriteCatalogMarkdown(w, lang)
}
