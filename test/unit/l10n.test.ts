// Translations: every manifest string and every string the extension passes to vscode.l10n.t has
// an English and a Simplified Chinese entry, with the same placeholders; and the bundles work
// through @vscode/l10n the way VS Code loads them.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as l10n from '@vscode/l10n';
import { STEPPER_HOST_TEXT, STEPPER_TEXT, formatText, localizeStepperText } from '../../src/shared/explanations';

const ROOT = join(__dirname, '..', '..');
const readJson = (...p: string[]): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, ...p), 'utf8'));

const pkg = readJson('package.json');
const nls = readJson('package.nls.json') as Record<string, string>;
const nlsZh = readJson('package.nls.zh-cn.json') as Record<string, string>;
const bundle = readJson('l10n', 'bundle.l10n.json') as Record<string, string>;
const bundleZh = readJson('l10n', 'bundle.l10n.zh-cn.json') as Record<string, string>;

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();
const CJK = /[\u4e00-\u9fff]/;

/** Every "%key%" string anywhere in the manifest's contributes. */
function manifestKeys(x: unknown, out = new Set<string>()): Set<string> {
  if (typeof x === 'string') {
    const m = /^%(.+)%$/.exec(x);
    if (m) out.add(m[1]);
  } else if (Array.isArray(x)) for (const v of x) manifestKeys(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) manifestKeys(v, out);
  return out;
}

describe('l10n', () => {
  it('package.json points VS Code at the l10n folder', () => {
    assert.equal(pkg.l10n, './l10n');
  });

  it('every %key% of the manifest is in package.nls.json', () => {
    const keys = manifestKeys(pkg.contributes);
    assert.ok(keys.has('view.layerStepper') && keys.has('viewsContainer.attentionLens'));
    for (const k of keys) assert.ok(typeof nls[k] === 'string' && nls[k].length > 0, `package.nls.json lacks "${k}"`);
  });

  it('package.nls.zh-cn.json translates exactly the keys of package.nls.json', () => {
    assert.deepEqual(Object.keys(nlsZh).sort(), Object.keys(nls).sort());
    for (const [k, v] of Object.entries(nlsZh)) {
      assert.ok(v.trim().length > 0, `${k} is empty`);
      // Product names may stay as they are; everything else is actually translated.
      if (nls[k] !== 'Attention Lens') assert.match(v, CJK, `${k} is not translated: ${v}`);
      assert.deepEqual(placeholders(v), placeholders(nls[k]), `${k}: placeholders`);
    }
  });

  it('every string of the stepper is in both bundles, with the same placeholders', () => {
    const used = [...Object.values(STEPPER_TEXT), ...Object.values(STEPPER_HOST_TEXT)];
    for (const s of used) {
      assert.equal(bundle[s], s, `bundle.l10n.json lacks ${JSON.stringify(s.slice(0, 60))}`);
      const zh = bundleZh[s];
      assert.ok(typeof zh === 'string' && CJK.test(zh), `bundle.l10n.zh-cn.json lacks or does not translate ${JSON.stringify(s.slice(0, 60))}`);
      assert.deepEqual(placeholders(zh), placeholders(s), `placeholders of ${JSON.stringify(s.slice(0, 60))}`);
    }
  });

  it('the two bundles have the same keys', () => {
    assert.deepEqual(Object.keys(bundleZh).sort(), Object.keys(bundle).sort());
  });

  it('@vscode/l10n with the zh-cn bundle gives the Chinese strings; English falls back to the key', () => {
    l10n.config({ contents: bundleZh });
    const zh = localizeStepperText((m) => l10n.t(m));
    assert.equal(zh.tabSteps, '步骤');
    assert.equal(formatText(zh.stepOf, 3, 42), '第 3 步，共 42 步');
    assert.match(zh.explainScale, /√d_k/);
    l10n.config({ contents: {} });
    const en = localizeStepperText((m) => l10n.t(m));
    assert.deepEqual(en, { ...STEPPER_TEXT });
    // A template passed without arguments keeps its placeholders for the webview to fill.
    assert.equal(l10n.t(STEPPER_TEXT.stepOf), 'Step {0} of {1}');
  });
});
