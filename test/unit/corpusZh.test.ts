import { strict as assert } from 'node:assert';
import { catalogueText, closeHanSpaces, countHan, hanBytes, joinWrappedLines, stripAnsi, unwrapMixedParagraphs } from '../../src/train/cleanZh';
import { readMo, writeMo } from '../../src/train/corpus/mo';
import { roffArgs, roffEscapes, roffToText } from '../../src/train/corpus/roff';
import { docbookHtmlText, fortuneEntries, libreOfficeHelpText, splitParagraphs } from '../../src/train/corpus/sourcesZh';
import { capBySize, cleanDocs, splitOf, type CorpusDoc } from '../../src/train/clean';

describe('.mo reader', () => {
  const messages = [
    { id: '', strs: ['Content-Type: text/plain; charset=UTF-8\n'] },
    { id: 'Open', strs: ['打开'] },
    { id: 'Save', context: 'menu', strs: ['保存'] },
    { id: '%d file', strs: ['%d 个文件', '%d 个文件（复数）'] },
  ];

  it('reads what writeMo wrote: ids, contexts, plural forms, UTF-8', () => {
    const read = readMo(writeMo(messages), 'test.mo');
    const byId = new Map(read.map((m) => [m.id, m]));
    assert.equal(read.length, 4);
    assert.deepEqual(byId.get('Open'), { id: 'Open', strs: ['打开'] });
    assert.deepEqual(byId.get('Save'), { id: 'Save', context: 'menu', strs: ['保存'] });
    assert.deepEqual(byId.get('%d file')!.strs, ['%d 个文件', '%d 个文件（复数）']);
  });

  it('reads a big-endian file the same way', () => {
    const le = writeMo(messages);
    const be = Buffer.from(le);
    for (let off = 0; off < 28 + 16 * messages.length; off += 4) be.writeUInt32BE(le.readUInt32LE(off), off); // header and tables
    assert.deepEqual(readMo(be), readMo(le));
  });

  it('names the file and the problem on bad input', () => {
    assert.throws(() => readMo(Buffer.from('not a catalogue at all, nor anything like one'), 'x.mo'), /x\.mo: not a \.mo file/);
    assert.throws(() => readMo(Buffer.alloc(8), 'y.mo'), /y\.mo: too short/);
    const cut = writeMo(messages).subarray(0, 60);
    assert.throws(() => readMo(cut, 'z.mo'), /z\.mo: .*past the end/);
  });
});

describe('Chinese cleaning', () => {
  it('joins wrapped lines without a space between Chinese characters, with one elsewhere', () => {
    assert.equal(joinWrappedLines(['启动配置通过变量存储', '在 NVRAM，变量包括', 'UEFI', '应用程序。']), '启动配置通过变量存储在 NVRAM，变量包括 UEFI 应用程序。');
    assert.equal(joinWrappedLines(['全角，', '标点']), '全角，标点');
    assert.equal(unwrapMixedParagraphs('第一段\n续行\n\n  second\n  para'), '第一段续行\n\nsecond para');
  });

  it('closes spaces between Han characters only', () => {
    assert.equal(closeHanSpaces('ldd 显示 每个 程序 需要 的 共享库 (shared library)'), 'ldd 显示每个程序需要的共享库 (shared library)');
  });

  it('counts Han characters and their bytes (4 for the supplementary planes)', () => {
    assert.equal(countHan('汉字 and 𠀀!'), 3);
    assert.equal(hanBytes('汉字 and 𠀀!'), 3 + 3 + 4);
  });

  it('strips terminal colour codes', () => {
    assert.equal(stripAnsi('\x1b[32m《送别》\x1b[m\n\x1b[33m作者：王维\x1b[;m'), '《送别》\n作者：王维');
  });

  it('turns msgstrs into text: Han only, no repeats, no accelerators, GCC quotes', () => {
    const text = catalogueText(['打开(_O)', 'OK', '打开(_O)', '~保存文件', '插入(~I)', '无法声明成员%<%s%>', 'LC_ALL 未设置']);
    assert.equal(text, '打开\n\n保存文件\n\n插入\n\n无法声明成员‘%s’\n\nLC_ALL 未设置');
  });

  it('splits fortune files into entries', () => {
    const file = '\x1b[32m《送别》\x1b[m\n    下马饮君酒\n%\n  团结一条心\n%\n';
    assert.deepEqual(fortuneEntries(file), ['《送别》\n下马饮君酒', '团结一条心']);
  });

  it('cuts text at paragraph breaks into parts of bounded size', () => {
    const paras = Array.from({ length: 10 }, (_, i) => `第${i}段`.repeat(5));
    const parts = splitParagraphs(paras.join('\n\n'), 100);
    assert.ok(parts.length > 1);
    assert.equal(parts.join('\n\n'), paras.join('\n\n'));
    for (const p of parts) assert.ok(Buffer.byteLength(p) <= 100, `${Buffer.byteLength(p)} bytes`);
  });
});

describe('roff to text', () => {
  it('expands escapes', () => {
    assert.equal(roffEscapes('\\fB\\-a\\fP, \\fI\\,选项\\/\\fR \\(em \\(lq引号\\(rq \\*(C`x\\*(C\' a\\ b \\s-1SMALL\\s0 \\&.'), '-a, 选项 — “引号” "x" a b SMALL .');
    assert.equal(roffEscapes('\\[u4E2D]\\(bu\\e'), '中•\\');
  });

  it('splits request arguments with quotes', () => {
    assert.deepEqual(roffArgs('-C ", " --directory " 目录"'), ['-C', ', ', '--directory', ' 目录']);
  });

  it('keeps headings, paragraphs, tags and verbatim lines; drops typesetting', () => {
    const src = [
      '.\\" comment',
      '.de Sh \\" a macro',
      '.if t .Sp',
      '..',
      '.TH LS 1 2022年9月 "GNU coreutils 9.1" 用户命令',
      '.SH 名称',
      'ls \\- 列出目录内容',
      '.SH 描述',
      '列出指定“文件”的',
      '信息。如果没有指定',
      '.B \\-\\-sort',
      '，则按字母排序。',
      '.TP',
      '\\fB\\-a\\fP, \\fB\\-\\-all\\fP',
      '不要忽略以点号起始的条目',
      '.PP',
      '.nf',
      '  $ ls -l',
      '  total 0',
      '.fi',
      '.BR ls (1),',
      '.IX Item "index entry"',
      '.ie n \\{\\',
      '.  ds -- x',
      '.\\}',
    ].join('\n');
    assert.equal(
      roffToText(src),
      '名称\nls - 列出目录内容\n\n描述\n列出指定“文件”的信息。如果没有指定 --sort，则按字母排序。\n-a, --all\n不要忽略以点号起始的条目\n\n  $ ls -l\n  total 0\nls(1),',
    );
  });

  it('keeps table rows and drops the table format', () => {
    assert.equal(roffToText('.TS\nallbox;\nl l.\n名称\t说明\nls\t列出\n.TE'), '名称 说明\nls 列出');
  });
});

describe('HTML sources', () => {
  it('joins the HTML source lines the Chinese way and keeps <pre> lines', () => {
    const html = '<body><h2>3.1. 启动</h2><p>引导加载程序将系统\n内核映像和\ninitrd 映像加载。</p><pre>$ ls\n$ pwd</pre></body>';
    assert.equal(docbookHtmlText(html).trim(), '3.1. 启动\n\n引导加载程序将系统内核映像和 initrd 映像加载。\n\n$ ls\n$ pwd');
  });

  it("keeps a LibreOffice help page's own translated lines", () => {
    const html = '<header>LibreOffice 7.4 帮助</header><div id="DisplayArea"><h1>自动检查拼写</h1><p>Untranslated text.</p><p>选择「工具」。</p></div><footer>页脚</footer>';
    assert.equal(libreOfficeHelpText(html).replace(/\n+/g, '|').replace(/^\||\|$/g, ''), '自动检查拼写|选择「工具」。');
  });
});

describe('Chinese documents in the split and the caps', () => {
  const zh = (id: string, text: string): CorpusDoc => ({ id, source: 'zh', kind: 'prose', text });

  it('never moves an existing document: the split depends on the id alone', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `sotu/${i}`);
    const before = ids.map((id) => splitOf(id, 20240601, 0.05));
    const zhIds = Array.from({ length: 200 }, (_, i) => `manpages-zh/man1/${i}.1`);
    const mixed = [...ids, ...zhIds].map((id) => splitOf(id, 20240601, 0.05)).slice(0, 200);
    assert.deepEqual(mixed, before);
    assert.ok(zhIds.some((id) => splitOf(id, 20240601, 0.05) === 'val'), 'some Chinese documents are held out');
  });

  it('caps Chinese sources by UTF-8 bytes (3 per character), keeping whole documents', () => {
    const docs = Array.from({ length: 50 }, (_, i) => zh(`lohelp-zh/${i}.html`, '汉'.repeat(100 + i)));
    const kept = capBySize(docs, 3000, 1);
    const bytes = kept.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
    assert.ok(bytes <= 3000 && bytes > 3000 - 3 * 150, `${bytes} bytes`);
    for (const d of kept) assert.ok(docs.includes(d));
  });

  it('drops near-empty Chinese documents by characters, not bytes', () => {
    const { kept, nearEmpty } = cleanDocs([zh('a', '汉'.repeat(63)), zh('b', '汉'.repeat(64))], 64);
    assert.deepEqual(kept.map((d) => d.id), ['b']);
    assert.equal(nearEmpty, 1);
  });
});
