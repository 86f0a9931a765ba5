// Completion settings: ranges agree with package.json, normalisation of hand-edited values, the
// engine options they become, and the quick input's stop-sequence syntax.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMPLETION_RANGES,
  DEFAULT_COMPLETION_OPTIONS,
  checkNumber,
  formatStopSequences,
  normalizeCompletionOptions,
  parseStopSequences,
  toSamplingOptions,
} from '../../src/shared/completionOptions';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { type: string | string[]; default: unknown; minimum?: number; maximum?: number }>;

describe('completion options', () => {
  it('package.json declares every setting with the same range and default as the code', () => {
    for (const [name, r] of Object.entries(COMPLETION_RANGES)) {
      const p = props[`attentionLens.completion.${name}`];
      assert.ok(p, `attentionLens.completion.${name} is declared`);
      assert.equal(p.minimum, r.min, `${name} minimum`);
      assert.equal(p.maximum, r.max, `${name} maximum`);
      const types = Array.isArray(p.type) ? p.type : [p.type];
      assert.ok(types.includes(r.integer ? 'integer' : 'number'), `${name} type ${String(p.type)}`);
      const def = DEFAULT_COMPLETION_OPTIONS[name as keyof typeof DEFAULT_COMPLETION_OPTIONS];
      assert.equal(p.default, def === undefined ? null : def, `${name} default`);
    }
    assert.deepEqual(props['attentionLens.completion.stopSequences'].default, []);
    assert.equal(props['attentionLens.inlineCompletions.enabled'].default, false, 'inline completions are off by default');
  });

  it('checkNumber names the problem, or says nothing for a good value', () => {
    assert.equal(checkNumber('maxNewTokens', 1), undefined);
    assert.equal(checkNumber('topP', 1), undefined);
    assert.match(checkNumber('maxNewTokens', 0)!, /from 1 to 1024/);
    assert.match(checkNumber('maxNewTokens', 2.5)!, /whole number/);
    assert.match(checkNumber('temperature', Number.NaN)!, /must be a number/);
    assert.match(checkNumber('topP', 0)!, /from 0.01 to 1/);
    assert.match(checkNumber('seed', -1)!, /from 0 to 4294967295/);
  });

  it('normalisation keeps good values and replaces bad ones by defaults, saying which', () => {
    const good = normalizeCompletionOptions({ maxNewTokens: 7, temperature: 0, topK: 0, topP: 1, seed: 42, stopSequences: ['\n\n', 'END'] });
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.options, { maxNewTokens: 7, temperature: 0, topK: 0, topP: 1, seed: 42, stopSequences: ['\n\n', 'END'] });

    const bad = normalizeCompletionOptions({ maxNewTokens: 5000, temperature: '1', topK: -3, topP: 0, seed: 1.5, stopSequences: 'END' });
    assert.deepEqual(bad.options, DEFAULT_COMPLETION_OPTIONS);
    assert.equal(bad.problems.length, 6);
    assert.match(bad.problems.join('\n'), /maxNewTokens must be from 1 to 1024 \(got 5000\); using 48/);
    assert.match(bad.problems.join('\n'), /stopSequences must be a list of strings/);
  });

  it('seed: null, undefined and "" are random; stop sequences drop empties and repeats', () => {
    for (const seed of [null, undefined, '']) assert.equal(normalizeCompletionOptions({ seed }).options.seed, undefined);
    const o = normalizeCompletionOptions({ stopSequences: ['', 'a', 'a', 'x'.repeat(65), 'b'] });
    assert.deepEqual(o.options.stopSequences, ['a', 'b']);
    assert.equal(o.problems.length, 1);
    const many = normalizeCompletionOptions({ stopSequences: Array.from({ length: 20 }, (_, i) => `s${i}`) });
    assert.equal(many.options.stopSequences.length, 16);
  });

  it('toSamplingOptions: topK 0 and topP 1 mean no filter; greedy drops the filters; seed and stops pass through', () => {
    const base = { ...DEFAULT_COMPLETION_OPTIONS };
    assert.deepEqual(toSamplingOptions(base), { maxNewTokens: 48, temperature: 0.8, topK: 40, topP: 0.95 });
    assert.deepEqual(toSamplingOptions({ ...base, topK: 0, topP: 1, seed: 7, stopSequences: ['\n'] }), {
      maxNewTokens: 48,
      temperature: 0.8,
      seed: 7,
      stopStrings: ['\n'],
    });
    assert.deepEqual(toSamplingOptions({ ...base, temperature: 0 }), { maxNewTokens: 48, temperature: 0 });
  });

  describe('stop sequences in the quick input', () => {
    const cases: [string, string[]][] = [
      ['', []],
      ['END', ['END']],
      [' END ,  THE END  ', ['END', 'THE END']],
      ['\\n\\n, ---', ['\n\n', '---']],
      ['a\\,b', ['a,b']],
      ['\\sx\\s', [' x ']],
      ['tab\\there, back\\\\slash, \\r\\n', ['tab\there', 'back\\slash', '\r\n']],
      ['a, , a,b', ['a', 'b']],
    ];
    for (const [input, expected] of cases) {
      it(`parses ${JSON.stringify(input)}`, () => assert.deepEqual(parseStopSequences(input), expected));
    }

    it('format is the inverse of parse', () => {
      const stops = ['\n\n', 'a,b', ' lead', 'trail ', 'back\\slash', '\t', 'THE END'];
      const text = formatStopSequences(stops);
      assert.deepEqual(parseStopSequences(text), stops);
      assert.equal(formatStopSequences(['\n\n', 'END']), '\\n\\n, END');
    });

    it('rejects an unknown escape, naming it', () => {
      assert.throws(() => parseStopSequences('a\\qb'), /unknown escape "\\q"/);
      assert.throws(() => parseStopSequences('ends with \\'), /unknown escape "\\"/);
    });
  });
});
