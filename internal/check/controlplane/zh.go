package controlplane

import (
	"strings"

	"github.com/kubeward/kubeward/internal/inventory"
)

// anyPathZH is the Chinese of anyPath.
func anyPathZH(paths []string) string {
	if len(paths) == 0 {
		return "，所有路径"
	}
	return "，路径 " + strings.Join(paths, ", ")
}

// acceptedZH names what a static credential file lets in.
var acceptedZH = map[string]string{"token-auth-file": "接受静态令牌", "basic-auth-file": "接受 Basic 认证密码"}

// evidenceZH is Setting.Evidence for a Chinese sentence: name=value with
// where the value came from in Chinese.
func evidenceZH(s inventory.Setting, name string) string {
	val := s.Value
	if val == "" {
		val = "<未设置>"
	}
	return name + "=" + val + "（" + fromZH(s.From) + "）"
}

// fromZH translates Setting.From: "flag --x", "config PATH key K",
// "daemon.json key K", "env X", "default".
func fromZH(from string) string {
	switch {
	case from == "default":
		return "默认值"
	case strings.HasPrefix(from, "flag "):
		return "参数 " + strings.TrimPrefix(from, "flag ")
	case strings.HasPrefix(from, "env "):
		return "环境变量 " + strings.TrimPrefix(from, "env ")
	case strings.Contains(from, " key "):
		src, key, _ := strings.Cut(from, " key ")
		if p, ok := strings.CutPrefix(src, "config "); ok {
			src = "配置文件 " + p
		}
		return src + " 的键 " + key
	}
	return from
}
