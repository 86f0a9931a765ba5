// `npm run corpus -- --out corpus-build/`: builds train.txt / val.txt and the manifest.
// Options: --out DIR (corpus-build), --seed N (20240601), --val F (0.05),
//          --cap name=MB (repeatable; overrides the defaults below), --only a,b (sources to use),
//          --manifest DIR (data: where manifest.json and MANIFEST.md are copied; "none" to skip).

import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { END_OF_TEXT, capBySize, cleanDocs, splitOf } from '../clean';
import { hanBytes } from '../cleanZh';
import { manifestMarkdown, type CorpusManifest, type SourceEntry } from './manifest';
import { SOURCES } from './sources';
import { SOURCES_ZH } from './sourcesZh';

/** Default caps in MB: English dominates (~80%), code is present. Uncapped sources are small. */
const DEFAULT_CAPS: Record<string, number> = { sotu: 6, web: 3.5, tslib: 1.5, go: 2.5, 'lohelp-zh': 1.5 };

interface Args {
  out: string;
  seed: number;
  val: number;
  caps: Record<string, number>;
  only?: string[];
  manifestDir?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: 'corpus-build', seed: 20240601, val: 0.05, caps: { ...DEFAULT_CAPS }, manifestDir: 'data' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => inline ?? argv[++i] ?? '';
    if (flag === '--out') args.out = value();
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--val') args.val = Number(value());
    else if (flag === '--only') {
      args.only = value().split(',');
      if (!argv.some((a) => a.startsWith('--manifest'))) args.manifestDir = undefined; // a partial build keeps data/ as it is
    }
    else if (flag === '--manifest') args.manifestDir = value() === 'none' ? undefined : value();
    else if (flag === '--cap') {
      const [name, size] = value().split('=');
      args.caps[name] = Number(size);
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!Number.isFinite(args.seed) || !(args.val >= 0 && args.val < 1)) throw new Error('bad --seed or --val');
  return args;
}

class SplitWriter {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  bytes = 0;
  docs = 0;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file);
  }
  write(text: string): number {
    const chunk = `${text}\n${END_OF_TEXT}\n`;
    this.stream.write(chunk);
    this.hash.update(chunk);
    this.bytes += Buffer.byteLength(chunk);
    this.docs++;
    return Buffer.byteLength(text);
  }
  async close(): Promise<{ bytes: number; docs: number; sha256: string }> {
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())));
    return { bytes: this.bytes, docs: this.docs, sha256: this.hash.digest('hex') };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const out = resolve(args.out);
  const cacheDir = join(out, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const log = (s: string): void => console.log(`[corpus] ${s}`);
  const writers = { train: new SplitWriter(join(out, 'train.txt')), val: new SplitWriter(join(out, 'val.txt')) };
  // The validation documents once more, by language: for figures per language (bits per byte, tokens per character).
  const valByLang = { en: new SplitWriter(join(out, 'val.en.txt')), zh: new SplitWriter(join(out, 'val.zh.txt')) };
  const seen = new Set<string>();
  const entries: SourceEntry[] = [];

  for (const src of [...SOURCES, ...SOURCES_ZH]) {
    if (args.only && !args.only.includes(src.name)) continue;
    const entry: SourceEntry = {
      name: src.name,
      title: src.title,
      kind: src.kind,
      lang: src.lang,
      licence: src.licence,
      origin: src.origin,
      docsFound: 0,
      duplicates: 0,
      nearEmpty: 0,
      bytesClean: 0,
      docs: { train: 0, val: 0 },
      bytes: { train: 0, val: 0 },
      hanBytes: 0,
    };
    entries.push(entry);
    let loaded;
    try {
      loaded = src.load({ cacheDir, repoRoot, log });
    } catch (e) {
      entry.skipped = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      log(`${src.name}: SKIPPED (${entry.skipped})`);
      continue;
    }
    entry.version = loaded.version;
    entry.docsFound = loaded.docs.length;
    const cleaned = cleanDocs(loaded.docs, 64, seen);
    entry.duplicates = cleaned.duplicates;
    entry.nearEmpty = cleaned.nearEmpty;
    entry.bytesClean = cleaned.kept.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
    const cap = args.caps[src.name];
    const docs = cap !== undefined && cap * 1e6 < entry.bytesClean ? capBySize(cleaned.kept, cap * 1e6, args.seed) : cleaned.kept;
    if (cap !== undefined && docs !== cleaned.kept) entry.capBytes = cap * 1e6;
    for (const doc of docs) {
      const split = splitOf(doc.id, args.seed, args.val);
      entry.bytes[split] += writers[split].write(doc.text);
      entry.docs[split]++;
      entry.hanBytes += hanBytes(doc.text);
      if (split === 'val') valByLang[src.lang].write(doc.text);
    }
    log(
      `${src.name}: ${entry.docsFound} found, ${entry.duplicates} duplicate, ${entry.nearEmpty} near-empty, ` +
        `${(entry.bytesClean / 1e6).toFixed(2)} MB clean → train ${entry.docs.train} docs ${(entry.bytes.train / 1e6).toFixed(2)} MB, ` +
        `val ${entry.docs.val} docs ${(entry.bytes.val / 1e6).toFixed(2)} MB`,
    );
  }

  const train = await writers.train.close();
  const val = await writers.val.close();
  const valEn = await valByLang.en.close();
  const valZh = await valByLang.zh.close();
  const total = (e: SourceEntry): number => e.bytes.train + e.bytes.val;
  const sum = (kind: 'prose' | 'code'): number => entries.filter((e) => e.kind === kind).reduce((n, e) => n + total(e), 0);
  const zhBytes = entries.filter((e) => e.lang === 'zh').reduce((n, e) => n + total(e), 0);
  const allBytes = entries.reduce((n, e) => n + total(e), 0);
  const zhTrain = entries.filter((e) => e.lang === 'zh').reduce((n, e) => n + e.bytes.train, 0);
  const trainBytes = entries.reduce((n, e) => n + e.bytes.train, 0);
  const manifest: CorpusManifest = {
    generator: 'npm run corpus (src/train/corpus/main.ts)',
    seed: args.seed,
    valFraction: args.val,
    separator: END_OF_TEXT,
    files: {
      train: { file: 'train.txt', ...train },
      val: { file: 'val.txt', ...val },
      valEn: { file: 'val.en.txt', ...valEn },
      valZh: { file: 'val.zh.txt', ...valZh },
    },
    mix: {
      proseBytes: sum('prose'),
      codeBytes: sum('code'),
      codeShare: sum('code') / Math.max(1, allBytes),
      zhBytes,
      zhShare: zhBytes / Math.max(1, allBytes),
      zhTrainShare: zhTrain / Math.max(1, trainBytes),
      hanBytes: entries.reduce((n, e) => n + e.hanBytes, 0),
    },
    sources: entries,
  };
  const json = JSON.stringify(manifest, null, 2) + '\n';
  writeFileSync(join(out, 'manifest.json'), json);
  if (args.manifestDir) {
    const dir = resolve(repoRoot, args.manifestDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), json);
    writeFileSync(join(dir, 'MANIFEST.md'), manifestMarkdown(manifest));
  }
  log(`train ${(train.bytes / 1e6).toFixed(2)} MB (${train.docs} docs), val ${(val.bytes / 1e6).toFixed(2)} MB (${val.docs} docs) → ${out}`);
  log(`Chinese: ${(zhBytes / 1e6).toFixed(2)} MB, ${(100 * manifest.mix.zhShare).toFixed(1)}% of all bytes, ${(100 * manifest.mix.zhTrainShare).toFixed(1)}% of train`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
