// Which files of a Hub repo make a model we can run, and the check that keeps every name we read
// from a repo (its file list, a shard index) inside the folder it is joined to.
import { HubError } from './errors';

/** Read by the engine when present: the config, generation settings and every tokenizer file. */
export const SIDE_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'chat_template.jinja',
] as const;

export const SINGLE_WEIGHTS = 'model.safetensors';
export const WEIGHTS_INDEX = 'model.safetensors.index.json';

/**
 * Refuses a name that is a path leaving its folder: a `..` segment, an absolute, drive or UNC path,
 * or a backslash (a separator on Windows). `where` names the list it came from.
 */
export function checkRelativeName(name: string, where: string): string {
  const bad =
    name === '' ||
    name.includes('\\') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((p) => p === '..' || p === '.' || p === '');
  if (bad) throw new HubError('BAD_FILENAME', `${where}: refusing the file name ${JSON.stringify(name)}: it is a path outside the model folder`);
  return name;
}

/** The shard files a model.safetensors.index.json names (each once, in order), checked. */
export function shardsOfIndex(json: unknown, where: string): string[] {
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new HubError('BAD_INDEX', `${where}: has no "weight_map" object`);
  }
  const shards = new Set<string>();
  for (const shard of Object.values(map as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new HubError('BAD_FILENAME', `${where}: a "weight_map" entry is ${JSON.stringify(shard)}, not a file name`);
    shards.add(checkRelativeName(shard, where));
  }
  return [...shards];
}

/**
 * From a repo's file list: the side files it has and its weights (model.safetensors, else the
 * index, whose shards are read from it later). A repo with only *.bin pickles or other formats is
 * refused with a message saying so.
 */
export function pickRepoFiles(repo: string, files: readonly string[]): { side: string[]; weights: string } {
  const have = new Set(files);
  const side = SIDE_FILES.filter((f) => have.has(f));
  if (!have.has('config.json')) throw new HubError('FILE_NOT_FOUND', `${repo}: the repo has no config.json at its top level, so it is not a transformers model`);
  if (have.has(SINGLE_WEIGHTS)) return { side, weights: SINGLE_WEIGHTS };
  if (have.has(WEIGHTS_INDEX)) return { side, weights: WEIGHTS_INDEX };
  const bins = files.filter((f) => f.endsWith('.bin') && !f.includes('/'));
  const other = files.filter((f) => /\.(safetensors|gguf|onnx|h5|msgpack|pt|pth|ckpt)$/.test(f));
  if (bins.length) {
    throw new HubError(
      'NO_SAFETENSORS',
      `${repo}: has only PyTorch pickle weights (${bins.slice(0, 3).join(', ')}), which Attention Lens never loads (a pickle can run code); it needs model.safetensors`,
    );
  }
  throw new HubError(
    'NO_SAFETENSORS',
    `${repo}: has no model.safetensors nor ${WEIGHTS_INDEX} at its top level${other.length ? ` (it has ${other.slice(0, 3).join(', ')})` : ''}`,
  );
}
