// vscode.l10n.t as VS Code runs it with no translation bundle: {n} replaced by the n-th argument.
// For the vscode-free host modules that take their l10n as a parameter.
export const plainL10n = { t: (m: string, ...a: Array<string | number | boolean>): string => m.replace(/\{(\d+)\}/g, (_, i: string) => String(a[Number(i)])) };
