// Reading the Hugging Face cache (src/hub/cacheRead.ts, cachePaths.ts): its location from the
// environment as Python computes it, a cache written the way Python writes it listed and loaded,
// a sharded model pulled and listed, and our pull's layout compared with Python's, file by file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../../src/engine/safetensors';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { EngineSession } from '../../src/engine/session';
import { hfHome, hubCacheDir, hubEndpoint, hubToken, isOffline } from '../../src/hub/cachePaths';
import { listCachedModels, resolveCached } from '../../src/hub/cacheRead';
import { memoryFit } from '../../src/hub/modelStats';
import { HubError } from '../../src/hub/errors';
import { pull } from '../../src/hub/pull';
import { resolveModelArg } from '../../src/hub/resolveModel';
import { FakeHub, folderFiles } from '../helpers/fakeHub';
import { writePythonCache } from '../helpers/pythonCache';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const QWEN = folderFiles(path.join(FIXTURES, 'tiny-qwen2'));
const GPT2 = folderFiles(path.join(FIXTURES, 'tiny-model'));
const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const C3 = '3'.repeat(40);

/** Parameters counted from the raw safetensors header (not through SafetensorsFile). */
function headerParams(buf: Buffer): number {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape?: number[] }>;
  return Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .reduce((s, [, v]) => s + v.shape!.reduce((a, b) => a * b, 1), 0);
}

/** The dtype holding most bytes, from the raw safetensors header. */
function headerDtype(buf: Buffer): string {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; data_offsets: number[] }>;
  const bytes = new Map<string, number>();
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') bytes.set(v.dtype, (bytes.get(v.dtype) ?? 0) + v.data_offsets[1] - v.data_offsets[0]);
  return [...bytes].sort((a, b) => b[1] - a[1])[0][0];
}

/** Every path under `dir` with what it is: a symlink's target, a file's size, a folder. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${r} -> ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p, r);
      else out.push(`${r} (${st.size} bytes)`);
    }
  };
  walk(dir, '');
  return out;
}

describe('hub cache', function () {
  this.timeout(30000);
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-hubcache-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds the cache, token and endpoint as Python’s huggingface_hub does', () => {
    const home = os.homedir();
    assert.equal(hubCacheDir({}), path.join(home, '.cache', 'huggingface', 'hub'));
    assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
    assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x', HF_HOME: '/h' }), '/h/hub');
    assert.equal(hubCacheDir({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/old' }), '/old');
    assert.equal(hubCacheDir({ HF_HOME: '/h', HUGGINGFACE_HUB_CACHE: '/old', HF_HUB_CACHE: '/c' }), '/c');
    assert.equal(hubCacheDir({ HF_HUB_CACHE: '~/c' }), path.join(home, 'c'));
    assert.equal(hubCacheDir({ HF_HOME: '$BASE/hf', BASE: '/b' }), '/b/hf/hub');
    assert.equal(hfHome({ XDG_CACHE_HOME: '/x' }), '/x/huggingface');
    assert.equal(hubEndpoint({}), 'https://huggingface.co');
    assert.equal(hubEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9/' }), 'http://127.0.0.1:9');
    for (const v of ['1', 'true', 'ON', 'yes']) assert.equal(isOffline({ HF_HUB_OFFLINE: v }), true, v);
    for (const v of ['0', '', 'no']) assert.equal(isOffline({ HF_HUB_OFFLINE: v }), false, v);

    fs.writeFileSync(path.join(tmp, 'token'), 'hf_from_file\n');
    assert.equal(hubToken({ HF_HOME: tmp }), 'hf_from_file');
    assert.equal(hubToken({ HF_HOME: tmp, HF_TOKEN: 'hf_from_env' }), 'hf_from_env');
    assert.equal(hubToken({ HF_HOME: path.join(tmp, 'none') }), undefined);
  });

  it('lists a cache written the way Python writes it, and loads a cached repo id', async () => {
    const cache = path.join(tmp, 'hub');
    writePythonCache(cache, 'tiny-org/tiny-qwen2', QWEN, { commit: C1 });
    writePythonCache(cache, 'tiny-org/tiny-gpt2', GPT2, { commit: C2, symlinks: false });
    const gemmaConfig = { architectures: ['GemmaForCausalLM'], model_type: 'gemma', vocab_size: 10 };
    writePythonCache(cache, 'other/gemma', { 'config.json': Buffer.from(JSON.stringify(gemmaConfig)) }, { commit: C3, revision: 'v2' });

    const models = listCachedModels(cache);
    assert.deepEqual(
      models.map((m) => [m.repo, m.revision, m.commit, m.architecture, m.supported]),
      [
        ['other/gemma', 'v2', C3, 'GemmaForCausalLM', false],
        ['tiny-org/tiny-gpt2', 'main', C2, 'GPT2LMHeadModel', true],
        ['tiny-org/tiny-qwen2', 'main', C1, 'Qwen2ForCausalLM', true],
      ],
    );
    const [gemma, gpt2, qwen] = models;
    assert.match(gemma.reason!, /model_type "gemma" is not supported yet/);
    assert.deepEqual(gemma.missing, ['tokenizer.json', 'model.safetensors']);
    assert.deepEqual([gpt2.missing, qwen.missing], [[], []]);
    assert.equal(gemma.params, null);
    assert.equal(qwen.params, headerParams(QWEN['model.safetensors']));
    assert.equal(gpt2.params, headerParams(GPT2['model.safetensors']));
    assert.equal(qwen.bytes, Object.values(QWEN).reduce((s, b) => s + b.length, 0));
    assert.equal(gpt2.bytes, Object.values(GPT2).reduce((s, b) => s + b.length, 0));
    assert.equal(qwen.path, path.join(cache, 'models--tiny-org--tiny-qwen2', 'snapshots', C1));
    assert.equal(qwen.dtype, headerDtype(QWEN['model.safetensors']));
    assert.equal(gpt2.dtype, headerDtype(GPT2['model.safetensors']));

    assert.equal(resolveModelArg('tiny-org/tiny-qwen2', { cacheDir: cache }), qwen.path);
    assert.equal(resolveModelArg(`tiny-org/tiny-gpt2@${C2}`, { cacheDir: cache }), gpt2.path);
    assert.equal(resolveModelArg(path.join(FIXTURES, 'tiny-model'), { cacheDir: cache }), path.join(FIXTURES, 'tiny-model'));
    assert.throws(() => resolveModelArg('tiny-org/tiny-qwen2@v9', { cacheDir: cache }), /no revision "v9" \(.*refs\/v9 is missing\)/);
    assert.throws(() => resolveModelArg('other/gemma@v2', { cacheDir: cache }), /lacks tokenizer\.json, model\.safetensors/);

    const session = await EngineSession.load(resolveModelArg('tiny-org/tiny-qwen2', { cacheDir: cache }), { backend: 'cpu' });
    try {
      assert.equal(session.info.config.nLayer, 2);
    } finally {
      session.dispose();
    }
  });

  it('refuses an index in the cache that names a path outside the snapshot', () => {
    const cache = path.join(tmp, 'hub');
    const index = { weight_map: { 'model.embed_tokens.weight': '../../../outside.safetensors' } };
    writePythonCache(cache, 'o/evil', { 'config.json': QWEN['config.json'], 'model.safetensors.index.json': Buffer.from(JSON.stringify(index)) }, { commit: C1 });
    assert.equal(listCachedModels(cache)[0].params, null);
    assert.throws(
      () => resolveCached({ repo: 'o/evil', revision: 'main' }, cache),
      (err: unknown) => err instanceof HubError && err.code === 'BAD_FILENAME' && /outside the model folder/.test(err.message),
    );
  });

  it('a sharded model: pull fetches the index and every shard; the engine loads it; our layout is Python’s', async () => {
    // tiny-qwen2's weights split over two shards, with the index transformers writes.
    const f = SafetensorsFile.open(path.join(FIXTURES, 'tiny-qwen2', 'model.safetensors'));
    const names = [...f.entries.keys()];
    const half = names.length >> 1;
    const shardFiles: Record<string, Buffer> = {};
    const weightMap: Record<string, string> = {};
    for (const [k, part] of [names.slice(0, half), names.slice(half)].entries()) {
      const shard = `model-0000${k + 1}-of-00002.safetensors`;
      const out = path.join(tmp, shard);
      writeSafetensors(out, part.map((n) => [n, { shape: f.entries.get(n)!.shape, data: f.read(n) }]));
      shardFiles[shard] = fs.readFileSync(out);
      for (const n of part) weightMap[n] = shard;
    }
    f.close();
    const side = Object.fromEntries(Object.entries(QWEN).filter(([n]) => n !== 'model.safetensors'));
    const files = { ...side, ...shardFiles, 'model.safetensors.index.json': Buffer.from(JSON.stringify({ metadata: {}, weight_map: weightMap })), 'README.md': Buffer.from('# tiny\n'), 'pytorch_model.bin': Buffer.alloc(32) };
    const hub = new FakeHub({ 'o/sharded': { files } });
    const endpoint = await hub.start();
    try {
      const ours = path.join(tmp, 'ours');
      const r = await pull('o/sharded', { cacheDir: ours, env: { HF_ENDPOINT: endpoint, HF_HOME: path.join(tmp, 'home') } });
      assert.equal(loadCheckpoint(r.path).config.nLayer, 2);
      const listed = listCachedModels(ours)[0];
      assert.equal(listed.params, headerParams(QWEN['model.safetensors']));
      assert.equal(listed.dtype, 'F32');

      const wanted = Object.fromEntries(Object.entries(files).filter(([n]) => n !== 'README.md' && n !== 'pytorch_model.bin'));
      const python = path.join(tmp, 'python');
      writePythonCache(python, 'o/sharded', wanted, { commit: r.commit });
      const skip = (l: string): boolean => !l.startsWith('.no_exist') && !l.startsWith('.locks');
      assert.deepEqual(tree(path.join(ours, 'models--o--sharded')), tree(path.join(python, 'models--o--sharded')).filter(skip));
    } finally {
      await hub.stop();
    }
  });
});

describe('memoryFit: whether a model will load here, from its config.json alone (before a pull fetches the weights)', () => {
  const qwen7b = {
    _name_or_path: 'Qwen2.5-7B',
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: 3584,
    num_hidden_layers: 28,
    num_attention_heads: 28,
    num_key_value_heads: 4,
    intermediate_size: 18944,
    vocab_size: 152064,
    tie_word_embeddings: false,
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 1e6,
    hidden_act: 'silu',
  };
  const withConfig = (config: object, f: (dir: string) => void): void => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-fit-'));
    try {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
      f(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('Qwen2.5-7B in BF16 does not fit: the note is the message loading would give', () => {
    withConfig({ ...qwen7b, torch_dtype: 'bfloat16' }, (dir) => {
      const fit = memoryFit(dir, 15.2e9, 1e12);
      assert.equal(fit.fits, false);
      assert.match(fit.note!, /config\.json: Qwen2\.5-7B \(7\.6B parameters\) needs about 15\.2 GB for its weights in BF16\/F16/);
    });
  });

  it('with no dtype in config.json the weight files\' size decides it; the tiny Qwen2 fixture fits', () => {
    withConfig(qwen7b, (dir) => assert.equal(memoryFit(dir, 15.2e9, 1e12).fits, false));
    const tiny = path.resolve(__dirname, '../fixtures/tiny-qwen2');
    assert.deepEqual(memoryFit(tiny, fs.statSync(path.join(tiny, 'model.safetensors')).size), { fits: true });
  });
});
