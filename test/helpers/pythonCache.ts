// Writes a Hugging Face cache entry the way Python's huggingface_hub does after hf_hub_download /
// snapshot_download: blobs named by ETag, relative symlinks from the snapshot, refs/{revision},
// plus the .locks and .no_exist folders it leaves beside them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blobName } from './fakeHub';

export function writePythonCache(
  cacheDir: string,
  repo: string,
  files: Record<string, Buffer>,
  opts: { commit: string; revision?: string; symlinks?: boolean },
): string {
  const folder = path.join(cacheDir, ['models', ...repo.split('/')].join('--'));
  const snapshot = path.join(folder, 'snapshots', opts.commit);
  fs.mkdirSync(path.join(folder, 'blobs'), { recursive: true });
  fs.mkdirSync(snapshot, { recursive: true });
  fs.mkdirSync(path.join(folder, '.no_exist', opts.commit), { recursive: true });
  fs.writeFileSync(path.join(folder, '.no_exist', opts.commit, 'chat_template.jinja'), '');
  fs.mkdirSync(path.join(cacheDir, '.locks', path.basename(folder)), { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    const blob = path.join(folder, 'blobs', blobName(name, data));
    const pointer = path.join(snapshot, name);
    fs.mkdirSync(path.dirname(pointer), { recursive: true });
    if (opts.symlinks === false) {
      fs.writeFileSync(pointer, data);
      continue;
    }
    fs.writeFileSync(blob, data);
    fs.symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
  }
  fs.mkdirSync(path.join(folder, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'refs', opts.revision ?? 'main'), opts.commit);
  return snapshot;
}
