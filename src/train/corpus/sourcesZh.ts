// The Chinese sources of the corpus, all from Debian packages: classical poetry and quotations
// (fortunes-zh), manual pages (manpages-zh), the Debian Reference, and the Simplified Chinese
// translations (zh_CN .mo catalogues) that programs ship. Loaders return raw documents; cleaning
// (NFC, dedupe, near-empty) happens afterwards as for every source.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { stripMarkup, type CorpusDoc } from '../clean';
import { catalogueText, closeHanSpaces, countHan, joinWrappedLines, stripAnsi } from '../cleanZh';
import { unpackDeb } from './debian';
import { readMo } from './mo';
import { roffToText } from './roff';
import type { CorpusSource } from './sources';

/** Fortune entries per document: short poems and sayings grouped so that a document is a few KB. */
export const FORTUNES_PER_DOC = 20;

/** Splits a fortune file (entries separated by lines holding `%`) into entries, colours and indentation removed. */
export function fortuneEntries(text: string): string[] {
  return stripAnsi(text)
    .split(/\n%\n/)
    .map((e) => e.replace(/^[ \t]+/gm, '').replace(/^\n+|\s+$/g, ''))
    .filter((e) => e.length > 0);
}

const fortunesZh: CorpusSource = {
  name: 'fortunes-zh',
  title: '300 Tang poems, 100 Song poems, and classical poetry, proverbs and quotations, 20 to a document',
  kind: 'prose',
  lang: 'zh',
  licence: 'Classical texts public domain; package GPL-3.0+ (a few modern quotations and Debian texts within)',
  origin: 'debian:fortunes-zh',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'fortunes-zh', log);
    const dir = join(deb.root, 'usr/share/games/fortunes');
    const docs: CorpusDoc[] = [];
    for (const file of ['tang300', 'song100', 'chinese']) {
      const entries = fortuneEntries(readFileSync(join(dir, file), 'utf8'));
      for (let i = 0; i < entries.length; i += FORTUNES_PER_DOC) {
        const text = closeHanSpaces(entries.slice(i, i + FORTUNES_PER_DOC).join('\n\n'));
        docs.push({ id: `fortunes-zh/${file}/${i}`, source: 'fortunes-zh', kind: 'prose', text });
      }
    }
    return { docs, version: deb.version };
  },
};

const manpagesZh: CorpusSource = {
  name: 'manpages-zh',
  title: 'Chinese manual pages (zh_CN), one document per page, roff markup removed',
  kind: 'prose',
  lang: 'zh',
  licence: 'GFDL-1.2+ (a few pages GPL-2.0/GPL-2.0+)',
  origin: 'debian:manpages-zh',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'manpages-zh', log);
    const root = join(deb.root, 'usr/share/man/zh_CN');
    const docs: CorpusDoc[] = [];
    for (const section of readdirSync(root).sort()) {
      for (const page of readdirSync(join(root, section)).sort()) {
        const p = join(root, section, page);
        if (!statSync(p, { throwIfNoEntry: false })?.isFile()) continue; // dangling .so links
        const raw = page.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p);
        const id = `manpages-zh/${section}/${page.replace(/\.gz$/, '')}`;
        docs.push({ id, source: 'manpages-zh', kind: 'prose', text: closeHanSpaces(roffToText(raw.toString('utf8'))) });
      }
    }
    return { docs, version: deb.version };
  },
};

const HTML_BLOCKS = ['p', 'div', 'h1', 'h2', 'h3', 'h4', 'li', 'tr', 'pre', 'br', 'dt', 'dd', 'table', 'title', 'blockquote'];

/**
 * Text of a DocBook HTML page: `<pre>` keeps its lines, elsewhere the source's line breaks are
 * whitespace (joined without a space between Chinese characters), block elements end lines.
 */
export function docbookHtmlText(html: string): string {
  const body = html.replace(/^[\s\S]*?<body[^>]*>/i, '').replace(/<(script|style)[\s\S]*?<\/\1>/gi, '');
  const joined = body
    .split(/(<pre[\s\S]*?<\/pre>)/i)
    .map((part, i) => (i % 2 === 1 ? part : joinWrappedLines(part.split('\n'))))
    .join('');
  return stripMarkup(joined, { blockElements: HTML_BLOCKS })
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n[ \t]*\n[\s]*/g, '\n\n');
}

const debianReference: CorpusSource = {
  name: 'debref-zh',
  title: 'Debian Reference (Osamu Aoki), Simplified Chinese translation, one document per section',
  kind: 'prose',
  lang: 'zh',
  licence: 'GPL-2.0+',
  origin: 'debian:debian-reference-zh-cn',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'debian-reference-zh-cn', log);
    const dir = join(deb.root, 'usr/share/debian-reference');
    const docs: CorpusDoc[] = [];
    for (const file of readdirSync(dir).filter((f) => /^(ch|ap|pr)\w*\.zh-cn\.html$/.test(f)).sort()) {
      const html = readFileSync(join(dir, file), 'utf8');
      html.split(/(?=<h2 class="title")/).forEach((section, i) => {
        const text = closeHanSpaces(docbookHtmlText(i === 0 ? section : `<body>${section}`));
        docs.push({ id: `debref-zh/${file.replace(/\.zh-cn\.html$/, '')}/${i}`, source: 'debref-zh', kind: 'prose', text });
      });
    }
    return { docs, version: deb.version };
  },
};

/** The help page's own text: what sits in its DisplayArea, lines without a Han character dropped (untranslated). */
export function libreOfficeHelpText(html: string): string {
  const start = html.indexOf('<div id="DisplayArea"');
  const end = html.lastIndexOf('<footer');
  const area = start >= 0 ? html.slice(start, end > start ? end : undefined) : '';
  return docbookHtmlText(`<body>${area}`)
    .split('\n')
    .filter((l) => l.trim() === '' || countHan(l) > 0)
    .join('\n');
}

const libreOfficeHelp: CorpusSource = {
  name: 'lohelp-zh',
  title: 'LibreOffice 7.4 help, Simplified Chinese, one document per page (untranslated lines dropped)',
  kind: 'prose',
  lang: 'zh',
  licence: 'MPL-2.0',
  origin: 'debian:libreoffice-help-zh-cn',
  load({ cacheDir, log }) {
    const deb = unpackDeb(cacheDir, 'libreoffice-help-zh-cn', log);
    const root = join(deb.root, 'usr/share/libreoffice/help/zh-CN/text');
    const docs: CorpusDoc[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.html')) {
          docs.push({ id: `lohelp-zh/${relative(root, p)}`, source: 'lohelp-zh', kind: 'prose', text: closeHanSpaces(libreOfficeHelpText(readFileSync(p, 'utf8'))) });
        }
      }
    };
    walk(root);
    return { docs, version: deb.version };
  },
};

/** A catalogue's text is cut into documents of about this many bytes, so no single file weighs on the split. */
export const CATALOGUE_PART_BYTES = 32_000;

/** Cuts text at paragraph breaks into parts of at most about `maxBytes` UTF-8 bytes each. */
export function splitParagraphs(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let cur: string[] = [];
  let size = 0;
  for (const para of text.split('\n\n')) {
    const n = Buffer.byteLength(para) + 2;
    if (size + n > maxBytes && cur.length > 0) {
      parts.push(cur.join('\n\n'));
      cur = [];
      size = 0;
    }
    cur.push(para);
    size += n;
  }
  if (cur.length > 0) parts.push(cur.join('\n\n'));
  return parts;
}

/** Every zh_CN .mo file under `root`, sorted by path. */
function findZhCnCatalogues(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && name.endsWith('.mo') && /\/zh_CN\/LC_MESSAGES\//.test(p)) found.push(p);
    }
  };
  walk(root);
  return found;
}

/**
 * A source of one package's zh_CN translations: each .mo file's msgstr texts, cut into documents of
 * about CATALOGUE_PART_BYTES (ids `<source>/<file>.mo#<part>`).
 */
function catalogues(name: string, pkg: string, title: string, licence: string): CorpusSource {
  return {
    name,
    title: `${title}: zh_CN translations (.mo), each catalogue's msgstr texts in documents of about 32 KB`,
    kind: 'prose',
    lang: 'zh',
    licence,
    origin: `debian:${pkg}`,
    load({ cacheDir, log }) {
      const deb = unpackDeb(cacheDir, pkg, log);
      const files = findZhCnCatalogues(deb.root);
      if (files.length === 0) throw new Error(`${pkg} has no zh_CN .mo files`);
      const docs = files.flatMap((f) => {
        const messages = readMo(readFileSync(f), f).filter((m) => m.id !== ''); // '' holds the catalogue's header
        const file = relative(deb.root, f).replace(/^.*\/zh_CN\/LC_MESSAGES\//, '');
        const parts = splitParagraphs(closeHanSpaces(catalogueText(messages.flatMap((m) => m.strs))), CATALOGUE_PART_BYTES);
        return parts.map((text, i) => ({ id: `${name}/${file}#${i}`, source: name, kind: 'prose' as const, text }));
      });
      return { docs, version: deb.version };
    },
  };
}

export const SOURCES_ZH: readonly CorpusSource[] = [
  fortunesZh,
  manpagesZh,
  debianReference,
  libreOfficeHelp,
  catalogues('mo-libreoffice', 'libreoffice-l10n-zh-cn', 'LibreOffice 7.4', 'MPL-2.0'),
  catalogues('mo-gimp', 'gimp-data', 'GIMP 2.10', 'GPL-3.0+'),
  catalogues('mo-postgresql', 'postgresql-15', 'PostgreSQL 15', 'PostgreSQL Licence (permissive, BSD-like)'),
  catalogues('mo-git', 'git', 'Git', 'GPL-2.0'),
  catalogues('mo-gcc', 'gcc-12-locales', 'GCC 12', 'GPL-3.0+'),
  catalogues('mo-coreutils', 'coreutils', 'GNU coreutils', 'GPL-3.0+'),
  catalogues('mo-dpkg', 'dpkg', 'dpkg', 'GPL-2.0+'),
  catalogues('mo-libc', 'libc-l10n', 'GNU C Library', 'LGPL-2.1+'),
  catalogues('mo-gettext', 'gettext', 'GNU gettext tools', 'GPL-3.0+'),
];
