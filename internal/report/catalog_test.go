package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
)

func TestCatalogMarkdownAnchorsAndChinese(t *testing.T) {
	var en, zh bytes.Buffer
	if err := report.WriteCatalogMarkdown(&en, "en"); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteCatalogMarkdown(&zh, "zh"); err != nil {
		t.Fatal(err)
	}
	// Every check has the anchor its SARIF rule's helpUri points at.
	for _, e := range catalog.All() {
		if !strings.Contains(en.String(), `<a id="`+strings.ToLower(e.ID)+`"></a>`+e.ID+" |") {
			t.Errorf("no anchor for %s", e.ID)
		}
	}
	for _, w := range []string{"# kubeward 检查项目录", "| ID | 严重级别 | 计划条目 | 标题 | 修复方法 | 参考 | 适用审计 |", "## 2. 容器与镜像", "| 严重 |"} {
		if !strings.Contains(zh.String(), w) {
			t.Errorf("Chinese catalogue lacks %q", w)
		}
	}
	for _, b := range untranslated(strings.ReplaceAll(zh.String(), "|", "\n")) {
		if !strings.Contains(b, "CIS") && !strings.Contains(b, "docs:") {
			t.Logf("English in the Chinese catalogue: %s", b)
		}
	}
}

func TestCatalogTableColumnsLineUpInChinese(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteCatalogTable(&b, "zh"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "严重级别") {
		t.Fatalf("header %q", lines[0])
	}
	// The title column starts at the same terminal column on every line.
	col := -1
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		w := report.Width(l[:strings.Index(l, " "+f[3])+1])
		if col >= 0 && w != col {
			t.Fatalf("title at column %d, want %d: %q", w, col, l)
		}
		col = w
	}
}
