// Translation coverage, found by reading the sources: every message the extension passes to
// vscode.l10n.t is a key of both bundles and is really translated in zh-cn; no user-visible
// string in the host (notifications, progress titles, quick picks, status bar, hovers) bypasses
// vscode.l10n.t; and every key the attention panel's webview uses is in its strings table, which
// both bundles translate.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as l10n from '@vscode/l10n';
import { formatText } from '../../src/shared/explanations';
import { PANEL_TEXT, localizePanelText } from '../../src/shared/panelText';
import { PanelMessageType } from '../../src/shared/protocol';
import { parseToWebview } from '../../src/shared/protocolChecks';

const ROOT = join(__dirname, '..', '..');
const readJson = (...p: string[]): Record<string, string> => JSON.parse(readFileSync(join(ROOT, ...p), 'utf8'));
const bundle = readJson('l10n', 'bundle.l10n.json');
const bundleZh = readJson('l10n', 'bundle.l10n.zh-cn.json');
const CJK = /[\u4e00-\u9fff]/;
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

/** Strings that read the same in both languages (names, units); nothing else may be left as is. */
// File formats' names (the Export menu's buttons) read the same in every language.
const SAME_IN_BOTH = new Set<string>(['Attention Lens', 'Attention Lens: {0}', 'Attention Lens — {0}', 'GPT-2', 'OK', 'PNG', 'SVG', 'CSV', 'JSON', 'NPY']);
/** Non-literal first arguments of l10n.t that are fine: tables whose every value is checked below or in l10n.test.ts. */
const NON_LITERAL_OK = [/^STEPPER_HOST_TEXT\.\w+$/, /^PANEL_HOST_TEXT\.\w+$/, /^s$/];

function files(dir: string, ext = '.ts'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

interface Literal {
  /** The string's value; template literals keep `${…}` as `{}`. */
  value: string;
  hasSubstitution: boolean;
  /** Callee of each enclosing call, innermost first ('' for a plain parenthesis). */
  calls: string[];
  /** The object key the literal is the value of (innermost object only), if any. */
  key?: string;
  /** The assignment target on the literal's line (`x.text = …` → 'text'), if any. */
  assigned?: string;
  line: number;
  /** Offset of the opening quote. */
  start: number;
  /** The literal is compared with (`x === 'a'`), not shown. */
  compared: boolean;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

/**
 * A small lexer over TypeScript source: every string literal with the calls and object key that
 * enclose it. Comments and regular expressions in the sources are simple enough for this.
 */
export function scanLiterals(src: string): Literal[] {
  const out: Literal[] = [];
  type Frame = { kind: '(' | '{' | '[' | '${'; callee: string; key?: string };
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;
  const lineStart = (): number => src.lastIndexOf('\n', i - 1) + 1;
  const readString = (quote: string): void => {
    const startLine = line;
    const start = i;
    const head = src.slice(lineStart(), i);
    i++;
    let value = '';
    let hasSubstitution = false;
    while (i < src.length && src[i] !== quote) {
      const c = src[i];
      if (c === '\n') line++;
      if (c === '\\') {
        const n = src[i + 1];
        if (n === 'u' && src[i + 2] !== '{') {
          value += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          value += ESCAPES[n] ?? n;
          i += 2;
        }
        continue;
      }
      if (quote === '`' && c === '$' && src[i + 1] === '{') {
        hasSubstitution = true;
        value += '{}';
        // Skip the substitution with balanced braces (strings inside it are scanned too).
        i += 2;
        stack.push({ kind: '${', callee: '' });
        const depth = stack.length;
        while (i < src.length && stack.length >= depth) step();
        continue;
      }
      value += c;
      i++;
    }
    i++;
    const frames = [...stack].reverse();
    const inner = frames.find((f) => f.kind !== '${');
    const assigned = /(?:^|[.\s])(\w+)\s*\+?=\s*(?:[^=].*)?$/.exec(head)?.[1];
    out.push({ value, hasSubstitution, calls: frames.filter((f) => f.kind === '(').map((f) => f.callee), key: inner?.kind === '{' ? inner.key : undefined, assigned, line: startLine, start, compared: /[!=]==?\s*$/.test(head) });
  };
  const step = (): void => {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      for (const ch of src.slice(i, end)) if (ch === '\n') line++;
      i = end + 2;
    } else if (c === '/' && /[(,=:!&|?;{}[]\s*$/.test(src.slice(Math.max(0, i - 20), i)) && !/\w\s*$/.test(src.slice(Math.max(0, i - 2), i))) {
      // A regular expression literal: skip it (character classes may hold quotes).
      i++;
      let inClass = false;
      while (i < src.length && (inClass || src[i] !== '/')) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        i++;
      }
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      readString(c);
    } else if (c === '(' || c === '{' || c === '[') {
      const callee = c === '(' ? (/([\w.$]+)\s*(?:<[^()]*>)?\s*$/.exec(src.slice(Math.max(0, i - 80), i))?.[1] ?? '') : '';
      stack.push({ kind: c, callee });
      i++;
    } else if (c === ')' || c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top) top.key = undefined;
      i++;
    } else if (c === ':' && stack[stack.length - 1]?.kind === '{') {
      // The first colon after `{` or `,` ends a key (a later one belongs to a ternary).
      const k = /(?:(\w+)|'([\w-]+)')\s*\??\s*$/.exec(src.slice(Math.max(0, i - 60), i));
      const top = stack[stack.length - 1];
      if (top.key === undefined) top.key = k?.[1] ?? k?.[2];
      i++;
    } else i++;
  };
  while (i < src.length) step();
  return out;
}

/** What a user reads of a literal: no substitutions, codicons or punctuation. */
const words = (v: string): string => v.replace(/\{\}/g, ' ').replace(/\$\([\w~-]+\)/g, ' ').replace(/\s+/g, ' ').trim();
const isL10nCall = (callee: string): boolean => /(^|\.)l10n\.t$/.test(callee);

const SRC = join(ROOT, 'src');
const sources = files(SRC).map((p) => ({ path: relative(ROOT, p), src: readFileSync(p, 'utf8') }));

describe('l10n coverage (from the sources)', () => {
  it('the scanner finds literals, their call and their key', () => {
    const lits = scanLiterals("f(vscode.l10n.t('a {0}', x), { title: `T ${g('in')}` }); /'x/.test(y); o.text = 'z';");
    assert.deepEqual(
      lits.map((l) => [l.value, l.calls[0], l.key, l.assigned]),
      [['a {0}', 'vscode.l10n.t', undefined, undefined], ['in', 'g', undefined, undefined], ['T {}', 'f', 'title', undefined], ['z', undefined, undefined, 'text']],
    );
  });

  const calls: { path: string; line: number; message?: string; arg?: string }[] = [];
  for (const { path, src } of sources) {
    const lits = scanLiterals(src);
    for (const m of src.matchAll(/\bl10n\.t\(\s*/g)) {
      const at = m.index + m[0].length;
      const line = src.slice(0, at).split('\n').length;
      if (/^['"`]/.test(src[at])) {
        const lit = lits.find((l) => l.start === at);
        if (lit && !lit.hasSubstitution) calls.push({ path, line, message: lit.value });
        else calls.push({ path, line, arg: src.slice(at, at + 40) });
      } else calls.push({ path, line, arg: /^[^,)]*/.exec(src.slice(at))?.[0].trim() });
    }
  }

  it('finds the extension’s l10n.t calls', () => {
    assert.ok(calls.filter((c) => c.message !== undefined).length >= 30, `only ${calls.length} calls found`);
  });

  it('every l10n.t call has a literal message (or reads a table that is checked)', () => {
    const bad = calls.filter((c) => c.message === undefined && !NON_LITERAL_OK.some((r) => r.test(c.arg ?? '')));
    assert.deepEqual(bad.map((c) => `${c.path}:${c.line}: ${c.arg}`), []);
  });

  it('every literal message is in both bundles and translated in zh-cn, with the same placeholders', () => {
    const problems: string[] = [];
    for (const c of calls) {
      if (c.message === undefined) continue;
      const m = c.message;
      const where = `${c.path}:${c.line} ${JSON.stringify(m.slice(0, 70))}`;
      if (bundle[m] !== m) problems.push(`${where}: not in bundle.l10n.json`);
      const zh = bundleZh[m];
      if (typeof zh !== 'string' || zh.trim() === '') problems.push(`${where}: not in bundle.l10n.zh-cn.json`);
      else if (zh === m && !SAME_IN_BOTH.has(m)) problems.push(`${where}: zh-cn is the English text`);
      else if (!CJK.test(zh) && !SAME_IN_BOTH.has(m)) problems.push(`${where}: zh-cn has no Chinese: ${zh}`);
      else if (placeholders(zh).join() !== placeholders(m).join()) problems.push(`${where}: placeholders differ in zh-cn`);
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('bundle.l10n.json maps each key to itself and has the keys of the zh-cn bundle', () => {
    for (const [k, v] of Object.entries(bundle)) assert.equal(v, k);
    assert.deepEqual(Object.keys(bundle).sort(), Object.keys(bundleZh).sort());
  });

  it('no raw user-visible string in the host: messages, progress, quick picks, inputs, status bar, hovers', () => {
    const UI_KEYS = new Set(['title', 'placeHolder', 'placeholder', 'prompt', 'label', 'description', 'detail', 'tooltip', 'openLabel', 'hoverMessage', 'message', 'text']);
    const SHOW = /(^|\.)show(Information|Warning|Error)Message$/;
    const problems: string[] = [];
    for (const { path, src } of sources) {
      if (!/^src[\\/](commands|host|panel|views)[\\/]|^src[\\/]extension\.ts$/.test(path)) continue;
      for (const l of scanLiterals(src)) {
        const w = words(l.value);
        if (!/[A-Za-z]{2,}/.test(w) || SAME_IN_BOTH.has(w)) continue;
        if (l.calls.some(isL10nCall) || l.compared) continue;
        const inShow = l.calls.some((c) => SHOW.test(c));
        const uiKey = l.key !== undefined && UI_KEYS.has(l.key);
        const uiAssign = l.assigned === 'text' || l.assigned === 'tooltip';
        if (inShow || uiKey || uiAssign) problems.push(`${path}:${l.line} ${JSON.stringify(l.value.slice(0, 70))}`);
      }
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });
});

describe('l10n of the attention panel webview', () => {
  const panelFiles = files(join(ROOT, 'webview', 'panel')).map((p) => ({ path: relative(ROOT, p), src: readFileSync(p, 'utf8') }));
  // Keys passed to t('…') directly, and keys chosen by an expression (t(gen ? 'a' : 'b'), a
  // Record of keys): any quoted PANEL_TEXT key in the webview's sources counts as used.
  const used = new Map<string, string>();
  const mentioned = new Set<string>();
  for (const { path, src } of panelFiles) {
    for (const m of src.matchAll(/\bt\(\s*'(\w+)'/g)) used.set(m[1], path);
    for (const m of src.matchAll(/'(\w+)'/g)) mentioned.add(m[1]);
  }

  it('the webview looks its text up by key', () => {
    assert.ok(used.size >= 30, `only ${used.size} keys used`);
  });

  it('every key the webview uses is in PANEL_TEXT, and every PANEL_TEXT entry is used', () => {
    const missing = [...used.keys()].filter((k) => !(k in PANEL_TEXT));
    assert.deepEqual(missing, []);
    const unused = Object.keys(PANEL_TEXT).filter((k) => !used.has(k) && !mentioned.has(k));
    assert.deepEqual(unused, []);
  });

  it('every PANEL_TEXT string is in both bundles, translated, with the same placeholders', () => {
    const problems: string[] = [];
    for (const [k, s] of Object.entries(PANEL_TEXT)) {
      if (bundle[s] !== s) problems.push(`${k}: not in bundle.l10n.json`);
      const zh = bundleZh[s];
      if (typeof zh !== 'string' || (!CJK.test(zh) && !SAME_IN_BOTH.has(s))) problems.push(`${k}: not translated in zh-cn`);
      else if (placeholders(zh).join() !== placeholders(s).join()) problems.push(`${k}: placeholders differ`);
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('the webview has no raw English left in text, titles or aria-labels', () => {
    const problems: string[] = [];
    for (const { path, src } of panelFiles) {
      for (const l of scanLiterals(src)) {
        const w = words(l.value);
        if (!/[A-Za-z]{3,}/.test(w) || SAME_IN_BOTH.has(w)) continue;
        const attr = l.key !== undefined && ['text', 'title', 'aria-label', 'ariaLabel'].includes(l.key);
        if (l.calls[0] === 't' || l.compared) continue; // a key of the table, or a value compared with
        const shown = l.assigned === 'textContent' || l.calls.some((c) => /(^|\.)(show|setAttribute|fillText)$/.test(c));
        const attributeName = /(^|\.)setAttribute$/.test(l.calls[0] ?? '') && /^[\w-]+$/.test(l.value);
        if ((attr || shown) && !attributeName) problems.push(`${path}:${l.line} ${JSON.stringify(l.value.slice(0, 70))}`);
      }
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}`);
  });

  it('the host’s Init message carries the table translated by @vscode/l10n; English is the identity', () => {
    l10n.config({ contents: bundleZh });
    const zh = localizePanelText((m) => l10n.t(m));
    assert.equal(formatText(zh.labelHead, 3, 7), '第 3 层 · 第 7 个头');
    assert.equal(zh.openSettings, '打开设置');
    const init = parseToWebview({ type: PanelMessageType.Init, strings: zh, language: 'zh-cn' });
    assert.equal(init?.type, PanelMessageType.Init);
    l10n.config({ contents: {} });
    assert.deepEqual(localizePanelText((m) => l10n.t(m)), { ...PANEL_TEXT });
  });
});
