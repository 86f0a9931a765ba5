// Puts a blob into a snapshot folder as Python's huggingface_hub does (_create_symlink): a relative
// symlink `snapshots/{commit}/{file} → ../../blobs/{etag}` (still valid when the cache moves), and
// where symlinks cannot be made (Windows without developer mode) the file itself: a blob just
// downloaded is moved there, one already in blobs/ is copied (other snapshots may link to it).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function linkBlob(blob: string, pointer: string, opts: { newBlob: boolean; symlinks?: boolean }): Promise<'symlink' | 'moved' | 'copied'> {
  await fs.mkdir(path.dirname(pointer), { recursive: true });
  if (opts.symlinks !== false) {
    // Made beside the pointer and renamed over it (atomic): two pulls of one repo linking the same
    // file at once each end with a valid link. Removing the pointer and then linking raced: the
    // second link failed with EEXIST, was taken for "no symlinks here", and moved the blob away.
    const tmp = `${pointer}.${process.pid}.${Math.random().toString(36).slice(2)}.link`;
    try {
      await fs.symlink(path.relative(path.dirname(pointer), blob), tmp);
      await fs.rename(tmp, pointer);
      return 'symlink';
    } catch {
      await fs.rm(tmp, { force: true });
      // no symlinks here: fall through to a move or a copy
    }
  }
  await fs.rm(pointer, { force: true });
  if (opts.newBlob) {
    await fs.rename(blob, pointer);
    return 'moved';
  }
  await fs.copyFile(blob, pointer);
  return 'copied';
}
