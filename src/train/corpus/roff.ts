// Plain text from a manual page's roff source (man, pod2man's man, and a little mdoc), for the
// corpus. Not a troff: it keeps the words and the paragraph structure and drops the typesetting.
// Our own code because no roff-to-text converter is among our dependencies and running groff
// would mean installing it; what manpages-zh uses is a small, known subset.
//   - Requests that only set up typesetting (.de … .., .ds, .nr, .if, .ie, .el, .IX, .PD, .ft, …) go.
//   - .SH/.SS/.Sh/.Ss become heading lines, .PP/.LP/.P/.Sp/.sp/blank lines end paragraphs,
//     .TP/.IP tags get a line of their own, .nf/.Vb … .fi/.Ve keep their line breaks.
//   - Font macros (.B, .I, .BR, .IR, …) keep their arguments; tables keep their rows.
//   - Escapes: fonts and sizes removed, \- → -, \(em → —, known \(xx and \*(xx characters mapped.
//   - Filled text is joined with joinWrappedLines: no space is invented between Chinese characters.

import { joinWrappedLines } from '../cleanZh';

const CHARS: Record<string, string> = {
  bu: '•', em: '—', en: '–', hy: '-', lq: '“', rq: '”', oq: '‘', cq: '’', aq: "'", dq: '"', ga: '`',
  co: '©', rg: '®', tm: '™', de: '°', mu: '×', di: '÷', pl: '+', mi: '−', eq: '=', '>=': '≥', '<=': '≤',
  '->': '→', '<-': '←', ul: '_', br: '│', bv: '│', sl: '/', rs: '\\', ti: '~', ha: '^', 'ci': '○', sq: '□',
  '*a': 'α', '*b': 'β', '*g': 'γ', '*d': 'δ', '*e': 'ε', '*l': 'λ', '*m': 'μ', '*p': 'π', '*s': 'σ', '*W': 'Ω',
  pd: '∂', if: '∞', '+-': '±', 'fo': '«', 'fc': '»', 'Fo': '«', 'Fc': '»', ss: 'ß',
};

/** pod2man's strings (\*(C`, \*(L", …) and the common man strings (\*R, \*(Tm). */
const STRINGS: Record<string, string> = { 'C`': '"', "C'": '"', 'L"': '“', 'R"': '”', '--': '—', PI: 'π', Tm: '™', R: '®', lq: '“', rq: '”' };

/** Requests dropped with their arguments: they set up typesetting and carry no text. */
const DROP = new Set([
  'ds', 'nr', 'if', 'ie', 'el', 'IX', 'PD', 'ft', 'ps', 'vs', 'll', 'in', 'ti', 'ne', 'ad', 'na', 'hy', 'nh', 'so',
  'TH', 'Dd', 'Dt', 'Os', 'rm', 'rr', 'tr', 'cc', 'ec', 'eo', 'mso', 'ev', 'lf', 'pc', 'ta', 'ss', 'ns', 'rs',
  'UC', 'DT', 'ig', 'bp', 'pl', 'po', 'lt', 'Bl', 'El', 'Bd', 'Ed', 'TA', 'tm', 'ce', 'hw', 'cs', 'it', 'em', 'wh',
]);

/** Requests that end the paragraph; the value is the separator written after it. */
const BREAK: Record<string, string> = {
  PP: '\n\n', LP: '\n\n', P: '\n\n', Sp: '\n\n', sp: '\n\n', Pp: '\n\n', HP: '\n\n', RS: '\n', RE: '\n', br: '\n',
  TP: '\n', IP: '\n', It: '\n', SH: '\n\n', SS: '\n\n', Sh: '\n\n', Ss: '\n\n', nf: '\n', fi: '\n', Vb: '\n', Ve: '\n',
  EX: '\n', EE: '\n', TS: '\n', TE: '\n', Dl: '\n', Nd: ' ', UR: '', UE: '', ME: '', MT: '',
};

/** mdoc macros that may appear inside a line's arguments; the names are dropped, `Fl` gives "-". */
const MDOC_CALLABLE = new Set(['Ar', 'Cm', 'Dq', 'Em', 'Ev', 'Fa', 'Fn', 'Ic', 'Li', 'Nm', 'Ns', 'Op', 'Pa', 'Ql', 'Sq', 'Sy', 'Va', 'Xr', 'Dv', 'Er', 'Ft', 'Pq', 'Qq', 'Oo', 'Oc', 'No', 'Ev', 'Aq']);

/** Expands the escapes of one line of text; `\"` comments are already cut. */
export function roffEscapes(line: string): string {
  return line.replace(
    /\\(?:\((..)|\[([^\]]*)\]|\*(?:\((..)|\[([^\]]*)\]|(.))|f(?:\(..|\[[^\]]*\]|.)|s[-+]?(?:\d|\(\d\d|\[\d+\])|n(?:\(..|\[[^\]]*\]|.)|[hvwlLNoxbDkzZ]'[^']*'|(.))/g,
    (whole, ch2?: string, chBr?: string, s2?: string, sBr?: string, s1?: string, single?: string) => {
      if (ch2 !== undefined) return CHARS[ch2] ?? '';
      if (chBr !== undefined) return CHARS[chBr] ?? (/^u[0-9A-F]{4,5}$/.test(chBr) ? String.fromCodePoint(parseInt(chBr.slice(1), 16)) : '');
      const str = s2 ?? sBr ?? s1;
      if (str !== undefined) return STRINGS[str] ?? '';
      if (single === undefined) return ''; // fonts, sizes, registers, drawing
      if (single === '-' || single === 'e' || single === '\\') return single === '-' ? '-' : '\\';
      if (single === ' ' || single === '~' || single === '0') return ' ';
      if (single === "'") return '´';
      if (single === '`') return '`';
      if (single === '.') return '.';
      return ''; // \& \| \^ \c \, \/ \: \% \t … : no text
    },
  );
}

/** Splits a request's arguments as roff does: spaces separate, "double quotes" group. */
export function roffArgs(rest: string): string[] {
  const args: string[] = [];
  for (const m of rest.matchAll(/"((?:[^"]|"")*)"?|(\S+)/g)) args.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
  return args;
}

/** Plain text of a manual page. */
export function roffToText(source: string): string {
  const out: string[] = [];
  let para: string[] = [];
  let fill = true;
  let inMacro = false; // inside .de … ..
  let tableFormat = false; // inside .TS's options and format lines
  let tagNext = false; // the next line of text is a .TP tag: a line of its own
  const flush = (sep: string): void => {
    if (para.length > 0) out.push(fill ? joinWrappedLines(para) : para.join('\n'));
    para = [];
    out.push(sep);
  };
  const text = (t: string): void => {
    para.push(t);
    if (tagNext) flush('\n');
    tagNext = false;
  };

  // A backslash at the end of a line continues it on the next one.
  for (const raw of source.replace(/\r\n?/g, '\n').replace(/(^|[^\\])((?:\\\\)*)\\\n/g, '$1$2').split('\n')) {
    if (inMacro) {
      if (/^\.\.\s*$/.test(raw)) inMacro = false;
      continue;
    }
    const line = raw.replace(/(^|[^\\])\\".*$/, '$1'); // comments
    if (/^['.]\s*\\"/.test(raw) || /^['.]\s*$/.test(line)) continue;
    if (tableFormat) {
      if (/\.\s*$/.test(line)) tableFormat = false;
      continue;
    }
    const req = /^['.]\s*([A-Za-z][A-Za-z0-9]{0,2})(?:\s+(.*))?$/.exec(line);
    if (!req && /^['.]/.test(line)) continue; // a request we do not know (.\}, .ds with odd names): no text
    if (!req) {
      if (line.trim().length === 0) flush(fill ? '\n\n' : '\n');
      else text(roffEscapes(line.replace(/^T[{}]\s*|\s*T[{}]$/g, '').replace(/\t/g, ' ')));
      continue;
    }
    const [, name, rest = ''] = req;
    if (name === 'de' || name === 'am' || name === 'ig') {
      inMacro = true;
      continue;
    }
    if (DROP.has(name)) continue;
    if (name === 'TS') {
      flush('\n');
      tableFormat = true;
      fill = false; // a row per line
      continue;
    }
    if (name in BREAK) {
      if (name === 'fi' || name === 'Ve' || name === 'EE' || name === 'TE') {
        flush('\n');
        fill = true;
        continue;
      }
      flush(BREAK[name]);
      tagNext = name === 'TP';
      if (name === 'nf' || name === 'Vb' || name === 'EX') fill = false;
      const args = roffArgs(rest);
      if (name === 'IP' && args.length > 0 && args[0].trim() !== '') out.push(roffEscapes(args[0]), '\n');
      if (/^(SH|SS|Sh|Ss)$/.test(name) && args.length > 0) out.push(roffEscapes(args.join(' ')), '\n');
      if ((name === 'It' || name === 'Dl' || name === 'Nd') && args.length > 0) para.push(roffEscapes(mdocWords(args)));
      continue;
    }
    // Font and other text-carrying macros: .B x, .BR a b (alternating fonts, no space), .Nm …
    const args = roffArgs(rest);
    if (args.length === 0) continue;
    const joined = /^(BR|RB|BI|IB|IR|RI)$/.test(name) ? args.join('') : /^[A-Z][a-z]$/.test(name) ? mdocWords([name, ...args]) : args.join(' ');
    text(roffEscapes(joined));
  }
  flush('\n');
  return out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** mdoc arguments as words: callable macro names dropped, `Fl x` → `-x`, `Xr ls 1` → `ls(1)`. */
function mdocWords(args: string[]): string {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === 'Fl') words.push(`-${args[++i] ?? ''}`);
    else if (a === 'Xr' && i + 2 < args.length) {
      words.push(`${args[i + 1]}(${args[i + 2]})`);
      i += 2;
    } else if (!MDOC_CALLABLE.has(a) && a !== 'Pp') words.push(a);
  }
  return words.join(' ');
}
