// The HTML and Content-Security-Policy of our webviews (the attention panel, the Layer Stepper).
// Pure (no vscode) so it is unit-tested: `default-src 'none'`, scripts only by nonce, styles and
// images only from the webview's own resource origin, no inline styles, no eval, nothing remote.

/** The only folders (under the extension) the webview may load from. */
export const LOCAL_RESOURCE_FOLDERS = ['dist', 'media'] as const;

/** 24 random bytes from crypto.getRandomValues, hex: 48 characters. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The CSP for the panel. `cspSource` is `webview.cspSource`. */
export function buildCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export interface PanelHtmlOptions {
  cspSource: string;
  nonce: string;
  /** webview URIs (asWebviewUri) of dist/webview/panel.js and media/panel.css. */
  scriptUri: string;
  styleUri: string;
  title?: string;
  /**
   * What the script needs before it can build its UI (for the panel: its Init message's strings
   * and language), JSON in #app's data-init. The script then builds at once and its first message,
   * Ready, gets the run back, instead of a Ready → Init round trip before anything is built.
   */
  init?: unknown;
}

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The full document. The script builds the UI inside #app; until it runs, #app says it is loading. */
export function buildPanelHtml(o: PanelHtmlOptions): string {
  const title = escapeAttr(o.title ?? 'Attention Lens');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(buildCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${title}</title>
</head>
<body>
<div id="app" aria-busy="true"${o.init === undefined ? '' : ` data-init="${escapeAttr(JSON.stringify(o.init))}"`}><p class="placeholder">Loading Attention Lens…</p></div>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
