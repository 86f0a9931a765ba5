// One blob's bytes into `{blob}.incomplete`, then into place. Our own code, not @huggingface/hub's
// downloadFileToCacheDir, because that one (2.17) restarts every download from byte 0 (no Range
// resume of an .incomplete file), verifies neither size nor sha256, reports no progress and takes
// no AbortSignal; Python's http_get resumes with `Range: bytes={have}-` and so do we.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { HubError } from './errors';
import { hubFetch, transportError, type HubContext } from './hubFetch';

export interface BlobTarget {
  /** The file's name in the repo (for messages). */
  file: string;
  /** Where to GET it: the Hub's resolve URL at the commit (an LFS file redirects to its storage). */
  url: string;
  /** blobs/{etag}; the bytes arrive in `${blob}.incomplete`. */
  blob: string;
  size: number;
  /** For LFS files: the sha256 the Hub lists (their etag); checked before the blob moves into place. */
  sha256?: string;
}

async function sizeOf(p: string): Promise<number> {
  try {
    return (await fs.stat(p)).size;
  } catch {
    return 0;
  }
}

async function hashFile(p: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(p)) hash.update(chunk as Buffer);
}

/** The first byte of a 206 answer, from `Content-Range: bytes {first}-{last}/{size}`. */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Downloads `t` (resuming an existing .incomplete with a Range request), checks its size and
 * sha256, and renames it to `t.blob`. `onBytes` hears every chunk written. A cancel or a dropped
 * connection keeps the .incomplete for the next try; a wrong size or sha256 deletes it.
 */
export async function downloadBlob(t: BlobTarget, ctx: HubContext, onBytes: (n: number) => void): Promise<void> {
  const incomplete = `${t.blob}.incomplete`;
  let have = await sizeOf(incomplete);
  if (have > t.size) {
    await fs.rm(incomplete, { force: true });
    have = 0;
  }
  let hash = createHash('sha256');
  if (t.sha256 && have > 0) await hashFile(incomplete, hash);
  if (have > 0) onBytes(have);

  if (have < t.size || have === 0) {
    const res = await hubFetch(ctx)(t.url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow' });
    if (have > 0 && (res.status !== 206 || rangeStart(res) !== have)) {
      // The server sent the whole file (no Range support): start over.
      onBytes(-have);
      have = 0;
      hash = createHash('sha256');
    }
    const out = await fs.open(incomplete, have > 0 ? 'a' : 'w');
    try {
      if (!res.body) throw new HubError('SERVER_ERROR', `${ctx.repo}: empty answer for ${t.file}`);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await out.write(chunk);
        if (t.sha256) hash.update(chunk);
        have += chunk.byteLength;
        onBytes(chunk.byteLength);
        if (ctx.signal?.aborted) throw new HubError('CANCELLED', '');
      }
    } catch (err) {
      const e = transportError(err, ctx, `downloading ${t.file}`);
      const kept = `${incomplete} keeps ${have} of ${t.size} bytes; pull again to resume`;
      throw new HubError(e.code, e.code === 'CANCELLED' ? `${ctx.repo}: cancelled while downloading ${t.file} (${kept})` : `${e.message} (${kept})`);
    } finally {
      await out.close();
    }
  }
  return finish(t, incomplete, have, hash, ctx);
}

async function finish(t: BlobTarget, incomplete: string, have: number, hash: Hash, ctx: HubContext): Promise<void> {
  if (have !== t.size) {
    await fs.rm(incomplete, { force: true });
    throw new HubError('SIZE_MISMATCH', `${ctx.repo}: ${t.file} arrived with ${have} bytes, the Hub lists ${t.size}; the partial file was deleted, pull again`);
  }
  if (t.sha256) {
    const got = hash.digest('hex');
    if (got !== t.sha256) {
      await fs.rm(incomplete, { force: true });
      throw new HubError('SHA_MISMATCH', `${ctx.repo}: ${t.file} has sha256 ${got}, the Hub lists ${t.sha256}; the download was deleted, pull again`);
    }
  }
  await fs.rename(incomplete, t.blob);
}
