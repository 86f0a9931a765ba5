// `compare`: one text under two models, or two texts under one model; writes which heads changed
// most (summary.json), how the tokens align (alignment.json) and the difference maps of the heads
// asked for (diff.f32). The numbers come from src/analysis (compareRuns, compareMaps).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differenceOnAligned, pairedRanges, relativeIndex } from '../analysis/compareMaps';
import { alignRuns, rankHeads } from '../analysis/compareRuns';
import type { EngineSession } from '../engine/session';
import type { AnalysisSummary } from '../shared/sessionTypes';
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';
import { checkHeads, parseAttentionsFlag } from './attentionsFlag';
import { f32le } from './f32le';

const FLAGS = {
  model: { type: 'string' },
  'model-b': { type: 'string' },
  'text-file': { type: 'string' },
  'text-file-b': { type: 'string' },
  out: { type: 'string' },
  attentions: { type: 'string' },
  truncate: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Side {
  session: EngineSession;
  summary: AnalysisSummary;
  model: string;
  textFile: string;
  text: string;
}

async function analyze(session: EngineSession, text: string, textFile: string, truncate: boolean): Promise<AnalysisSummary> {
  try {
    return await session.analyze(text, { truncate, topK: 1 });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message} (use --truncate)`, 2);
    if (e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
    throw err;
  }
}

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);

export async function compareCommand(argv: string[]): Promise<void> {
  const v = parseFlags('compare', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const modelA = required('compare', 'model', v.model);
  const textFileA = required('compare', 'text-file', v['text-file']);
  const out = required('compare', 'out', v.out);
  const modelB = v['model-b'];
  const textFileB = v['text-file-b'];
  if ((modelB === undefined) === (textFileB === undefined)) {
    throw new CliError('compare: give --model-b (one text under two models) or --text-file-b (two texts under one model), not both and not neither');
  }
  const backend = backendFlag('compare', v.backend);
  const selection = parseAttentionsFlag('compare', v.attentions ?? 'none');
  const truncate = v.truncate ?? false;
  const textA = readTextFile(textFileA);
  const textB = textFileB !== undefined ? readTextFile(textFileB) : textA;

  const sessionA = await openSession(modelA, backend);
  let sessionB: EngineSession | undefined;
  try {
    sessionB = modelB !== undefined ? await openSession(modelB, backend) : undefined;
    const cfgA = sessionA.info.config;
    if (selection.kind === 'heads') checkHeads('compare', selection.heads, cfgA.nLayer, cfgA.nHead);
    const a: Side = { session: sessionA, summary: await analyze(sessionA, textA, textFileA, truncate), model: modelA, textFile: textFileA, text: textA };
    const sb = sessionB ?? sessionA;
    const b: Side = { session: sb, summary: await analyze(sb, textB, textFileB ?? textFileA, truncate), model: modelB ?? modelA, textFile: textFileB ?? textFileA, text: textB };
    const alignment = alignRuns(a.summary.tokens, b.summary.tokens, textFileB === undefined);
    const paired = pairedRanges(alignment.groups);
    const shape = (s: Side) => ({ nLayer: s.summary.nLayer, nHead: s.summary.nHead, T: s.summary.T });
    const ranking = await rankHeads(
      shape(a),
      shape(b),
      paired,
      (l, h) => a.session.attention(a.summary.runId, l, h),
      (l, h) => b.session.attention(b.summary.runId, l, h),
    );

    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new CliError(`${out}: cannot create the output folder (${(err as Error).message.split('\n')[0]})`);
    }
    // diff.f32: the heads asked for, A's layer:head each with B's at the same relative depth
    const asked: [number, number][] =
      selection.kind === 'all' ? ranking.rows.map((r) => [r.layerA, r.headA] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]) : selection.kind === 'heads' ? selection.heads : [];
    const G = paired.a.length;
    const diffHeads = asked.map(([l, h]) => [l, h, relativeIndex(l, a.summary.nLayer, b.summary.nLayer), relativeIndex(h, a.summary.nHead, b.summary.nHead)]);
    if (asked.length > 0) {
      const all = new Float32Array(asked.length * G * G); // [n, G, G]
      diffHeads.forEach(([la, ha, lb, hb], i) => {
        const d = differenceOnAligned(a.session.attention(a.summary.runId, la, ha), a.summary.T, b.session.attention(b.summary.runId, lb, hb), b.summary.T, paired);
        all.set(d.diff, i * G * G);
      });
      writeFileSync(join(out, 'diff.f32'), f32le(all));
    } else rmSync(join(out, 'diff.f32'), { force: true }); // an earlier run's would not be this comparison's

    const side = (s: Side) => ({ model: s.model, name: s.session.info.name, textFile: s.textFile, T: s.summary.T, nLayer: s.summary.nLayer, nHead: s.summary.nHead, truncated: s.summary.truncated });
    const count = (kind: string): number => alignment.groups.filter((g) => g.kind === kind).length;
    const summary = {
      mode: modelB !== undefined ? 'models' : 'texts',
      alignment: alignment.mode,
      a: side(a),
      b: side(b),
      layersRelative: ranking.layersRelative,
      headsRelative: ranking.headsRelative,
      G,
      onlyA: count('onlyA'),
      onlyB: count('onlyB'),
      heads: ranking.rows.map((r) => ({ ...r, meanAbsDiff: nullIfNaN(r.meanAbsDiff) })),
      ...(asked.length > 0 ? { diffHeads } : {}),
    };
    writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
    // the characters a group covers, from its side's text (byte tokens share their character's span)
    const tokenOf = (s: Side, [from, to]: [number, number]): string => (to > from ? s.text.slice(s.summary.tokens[from].start, s.summary.tokens[to - 1].end) : '');
    writeFileSync(
      join(out, 'alignment.json'),
      JSON.stringify(alignment.groups.map((g) => ({ kind: g.kind, a: g.a, b: g.b, textA: tokenOf(a, g.a), textB: tokenOf(b, g.b) }))),
    );
  } finally {
    sessionB?.dispose();
    sessionA.dispose();
  }
}
