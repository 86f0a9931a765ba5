// Puts a blob into a snapshot folder as Python's huggingface_hub does (_create_symlink): a relative
// symlink `snapshots/{commit}/{file} → ../../blobs/{etag}` (still valid when the cache moves), and
// where symlinks cannot be made (Windows without developer mode) the file itself: a blob just
// downloaded is moved there, one already in blobs/ is copied (other snapshots may link to it).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function linkBlob(blob: string, pointer: string, opts: { newBlob: boolean; symlinks?: boolean }): Promise<'symlink' | 'moved' | 'copied'> {
  await fs.mkdir(path.dirname(pointer), { recursive: true });
  await fs.rm(pointer, { force: true });
  if (opts.symlinks !== false) {
    try {
      await fs.symlink(path.relative(path.dirname(pointer), blob), pointer);
      return 'symlink';
    } catch {
      // no symlinks here: fall through to a move or a copy
    }
  }
  if (opts.newBlob) {
    await fs.rename(blob, pointer);
    return 'moved';
  }
  await fs.copyFile(blob, pointer);
  return 'copied';
}
