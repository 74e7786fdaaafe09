package secrets

import (
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// The secrets checks' fixes need a person: the value must move to a store
// kubeward never sees. `kubeward harden secrets` writes what recreates it
// from there (internal/harden/secrets); harden plan lists the step.
var (
	moveToVaultFix = &check.Fix{Manual: &catalog.Text{
		EN: "kubeward harden secrets writes an ExternalSecret and a Vault SecretStore that recreate this Secret from the path harden.secrets names (or a SealedSecret with --seal-cert); put the values in Vault, apply them, then remove the Secret from the YAML",
		ZH: "kubeward harden secrets 会生成从 harden.secrets 指定路径重建该 Secret 的 ExternalSecret 与 Vault SecretStore（或使用 --seal-cert 生成 SealedSecret）；将值写入 Vault 并应用后，从 YAML 中删除该 Secret"}}
	chartDefaultFix = &check.Fix{Manual: &catalog.Text{
		EN: "kubeward harden secrets writes the values file with the default emptied, a random value in a 0600 file and the helm upgrade --install --set-file command; or make the template require it, generate it with randAlphaNum kept by lookup, or read an existingSecret",
		ZH: "kubeward harden secrets 会生成清空默认值的 values 文件、写入 0600 文件的随机值以及 helm upgrade --install --set-file 命令；或在模板中使用 required、用 randAlphaNum 生成并以 lookup 保留，或读取 existingSecret"}}
	literalFix = &check.Fix{Manual: &catalog.Text{
		EN: "move the value into a Secret fed from Vault (External Secrets Operator, the Vault agent injector or the Secrets Store CSI driver) and reference it with env.valueFrom.secretKeyRef; kubeward never writes a secret value",
		ZH: "将该值移入由 Vault 提供的 Secret（External Secrets Operator、Vault agent 注入器或 Secrets Store CSI 驱动），并通过 env.valueFrom.secretKeyRef 引用；kubeward 从不写入秘密值"}}
)
