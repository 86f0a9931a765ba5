import * as assert from 'assert';
import { LOCAL_RESOURCE_FOLDERS, buildCsp, buildPanelHtml, makeNonce } from '../../src/host/webviewHtml';
import { PANEL_TEXT } from '../../src/shared/panelText';
import { PanelMessageType } from '../../src/shared/protocol';
import { parseToWebview } from '../../src/shared/protocolChecks';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

function cspOf(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  const directives = new Map<string, string[]>();
  for (const d of m[1].replace(/&#39;|&apos;/g, "'").split(';')) {
    const [name, ...values] = d.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

describe('panel HTML and CSP', () => {
  const nonce = makeNonce();
  const html = buildPanelHtml({
    cspSource: CSP_SOURCE,
    nonce,
    scriptUri: `${CSP_SOURCE}/ext/dist/webview/panel.js`,
    styleUri: `${CSP_SOURCE}/ext/media/panel.css`,
  });

  it('makes nonces of 48 hex characters that differ every time', () => {
    assert.match(nonce, /^[0-9a-f]{48}$/);
    const many = new Set(Array.from({ length: 200 }, makeNonce));
    assert.strictEqual(many.size, 200);
  });

  it('uses crypto.getRandomValues for the nonce', () => {
    const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    let calls = 0;
    const spy = <T extends ArrayBufferView | null>(a: T): T => {
      calls++;
      return original(a as never) as T;
    };
    Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: spy, configurable: true });
    try {
      makeNonce();
    } finally {
      Object.defineProperty(globalThis.crypto, 'getRandomValues', { value: original, configurable: true });
    }
    assert.strictEqual(calls, 1);
  });

  it("denies everything by default and allows scripts only by nonce", () => {
    const csp = cspOf(html);
    assert.deepStrictEqual(csp.get('default-src'), ["'none'"]);
    assert.deepStrictEqual(csp.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepStrictEqual(csp.get('style-src'), [CSP_SOURCE]);
    for (const [name, values] of csp) {
      for (const v of values) {
        assert.ok(!/unsafe-(eval|inline)|wasm-unsafe-eval/.test(v), `${name} allows ${v}`);
        assert.ok(v !== '*' && !/^https?:$/.test(v), `${name} allows ${v}`);
      }
    }
  });

  it('loads one script, with the nonce, and one linked stylesheet; nothing inline or remote', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.strictEqual(scripts.length, 1);
    assert.ok(scripts[0][1].includes(`nonce="${nonce}"`));
    assert.ok(scripts[0][1].includes('dist/webview/panel.js'));
    assert.strictEqual(scripts[0][2].trim(), '', 'no inline script body');
    assert.ok(!/<style\b/.test(html), 'no <style> element');
    assert.ok(!/\sstyle=/.test(html), 'no style attribute');
    assert.ok(!/\son[a-z]+=/.test(html), 'no inline event handlers');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.strictEqual(urls.length, 2);
    for (const u of urls) assert.ok(u.startsWith(CSP_SOURCE), `${u} comes from the webview's resource origin`);
  });

  it('escapes what it puts in attributes', () => {
    const h = buildPanelHtml({ cspSource: CSP_SOURCE, nonce: 'n', scriptUri: 'a"><script>alert(1)</script>', styleUri: 's', title: '<b>' });
    assert.ok(!h.includes('<script>alert(1)'));
    assert.ok(h.includes('&lt;b&gt;'));
  });

  it("embeds the Init payload in #app's data-init, escaped, so the script can build before any message", () => {
    const strings = { ...PANEL_TEXT, waiting: 'a "quoted" </div><script>alert(1)</script> & 等待 {0}' };
    const h = buildPanelHtml({ cspSource: CSP_SOURCE, nonce: 'n', scriptUri: 's.js', styleUri: 's.css', init: { strings, language: 'zh-cn' } });
    assert.strictEqual([...h.matchAll(/<script\b/g)].length, 1, 'still one script element');
    assert.ok(!h.includes('<script>alert(1)'));
    const m = /<div id="app"[^>]* data-init="([^"]*)">/.exec(h);
    assert.ok(m, '#app carries data-init');
    // What the browser hands the script as dataset.init: the attribute with its entities decoded.
    const decoded = m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const init = parseToWebview({ ...JSON.parse(decoded), type: PanelMessageType.Init });
    assert.ok(init && init.type === PanelMessageType.Init, 'the payload passes the Init message check');
    assert.strictEqual(init.language, 'zh-cn');
    assert.deepStrictEqual(init.strings, strings);
    assert.ok(!/data-init/.test(html), 'no data-init without an init payload');
  });

  it('lets the webview load only from dist and media', () => {
    assert.deepStrictEqual([...LOCAL_RESOURCE_FOLDERS], ['dist', 'media']);
    assert.ok(buildCsp('x', 'y').startsWith("default-src 'none'"));
  });
});
