// A loopback Hugging Face Hub (127.0.0.1 only) that answers as the real one does to its clients,
// header by header (huggingface_hub's file_download.py / hf_raise_for_status, @huggingface/hub's
// modelInfo and pathsInfo):
//   GET  /api/models/{repo}/revision/{rev}      {_id, id, sha, siblings: [{rfilename}], …}
//                                                (?blobs=true adds blobId, size, lfs {sha256, size})
//   POST /api/models/{repo}/paths-info/{rev}    [{type, path, oid, size, lfs?: {oid, size, pointerSize}}]
//   HEAD|GET /{repo}/resolve/{rev}/{file}       X-Repo-Commit, ETag (the git blob oid); an LFS file
//                                                answers 302 to /lfs-storage/{sha256} with
//                                                X-Linked-Etag (its sha256) and X-Linked-Size
//   GET  /lfs-storage/{sha256}                  the bytes, with Range (206 + Content-Range), from a
//                                                second server (another origin, as the Hub's CDN)
// Errors as the Hub sends them: X-Error-Code RepoNotFound (401 without a token, 404 with one),
// RevisionNotFound, EntryNotFound (404), GatedRepo (401 without a token, 403 with one not granted).
// Test hooks: dropOnce (the connection dies half-way through a file), corrupt (one byte flipped in
// what is served), paceMs (a pause between pieces of a body) and a log of every request.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface FakeRepo {
  files: Record<string, Buffer>;
  /** Branches and tags → commit; `main` gets a commit made from the files when absent. */
  revisions?: Record<string, string>;
  /** Tokens granted access; a gated repo answers GatedRepo to anyone else. */
  gated?: string[];
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  auth?: string;
}

interface StoredFile {
  data: Buffer;
  /** git blob oid (of the LFS pointer for an LFS file). */
  oid: string;
  lfs?: { sha256: string; pointerSize: number };
}

const sha1 = (b: Buffer | string): string => createHash('sha1').update(b).digest('hex');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const gitOid = (b: Buffer): string => sha1(Buffer.concat([Buffer.from(`blob ${b.length}\0`), b]));

/** LFS: weights, and any file over 10 kB (as the Hub's .gitattributes usually makes them). */
function isLfs(name: string, data: Buffer): boolean {
  return name.endsWith('.safetensors') || name.endsWith('.bin') || data.length > 10_000;
}

/** The name Python's huggingface_hub gives a file's blob: its ETag (sha256 for LFS, else the git oid). */
export function blobName(name: string, data: Buffer): string {
  return isLfs(name, data) ? sha256(data) : gitOid(data);
}

function store(files: Record<string, Buffer>): Map<string, StoredFile> {
  const out = new Map<string, StoredFile>();
  for (const [name, data] of Object.entries(files)) {
    if (!isLfs(name, data)) {
      out.set(name, { data, oid: gitOid(data) });
      continue;
    }
    const sum = sha256(data);
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sum}\nsize ${data.length}\n`);
    out.set(name, { data, oid: gitOid(pointer), lfs: { sha256: sum, pointerSize: pointer.length } });
  }
  return out;
}

/** The files of a model folder (its top level), for a FakeRepo. */
export function folderFiles(dir: string, skip: string[] = ['reference.json']): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of fs.readdirSync(dir)) if (!skip.includes(name)) files[name] = fs.readFileSync(path.join(dir, name));
  return files;
}

export class FakeHub {
  readonly log: LoggedRequest[] = [];
  /** The next GET of this file's bytes sends half of them, then the connection is destroyed. */
  dropOnce?: string;
  /** This file's bytes are served with one byte flipped (its sha256 no longer matches). */
  corrupt?: string;
  /** Answer every request for bytes in full (200), as a server without Range support. */
  ignoreRange = false;
  /** Milliseconds between the 16 kB pieces of a body (0: one piece per event-loop turn). */
  paceMs = 0;
  private repos = new Map<string, { files: Map<string, StoredFile>; revisions: Map<string, string>; gated?: string[] }>();
  private byCommit = new Map<string, string>(); // commit → repo
  private server = http.createServer((req, res) => this.handle(req, res));
  /** The LFS storage: another origin, so a client's token must not follow the redirect there. */
  private cdn = http.createServer((req, res) => this.handleCdn(req, res));

  constructor(repos: Record<string, FakeRepo>) {
    for (const [id, r] of Object.entries(repos)) {
      const files = store(r.files);
      const main = sha1(`${id}\n${[...files].map(([n, f]) => `${n} ${f.oid}`).join('\n')}`);
      const revisions = new Map(Object.entries({ main, ...r.revisions }));
      this.repos.set(id, { files, revisions, gated: r.gated });
      for (const c of revisions.values()) this.byCommit.set(c, id);
    }
  }

  /** Listens on 127.0.0.1 (`port`, or a free one); resolves to the endpoint (for HF_ENDPOINT). */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => this.cdn.listen(0, '127.0.0.1', resolve));
    return this.endpoint;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get cdnEndpoint(): string {
    return `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
  }

  commitOf(repo: string, revision = 'main'): string {
    return this.repos.get(repo)!.revisions.get(revision)!;
  }

  async stop(): Promise<void> {
    for (const s of [this.server, this.cdn]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.endpoint);
    const p = decodeURIComponent(url.pathname);
    this.log.push({ method: req.method ?? '', path: p, range: req.headers.range, auth: req.headers.authorization });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(p)) && req.method === 'GET') {
      return this.modelInfo(res, m[1], m[2], token, url.searchParams.get('blobs') === 'true');
    }
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)\/paths-info\/(.+)$/.exec(p)) && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => this.pathsInfo(res, m![1], m![2], token, JSON.parse(body) as { paths: string[] }));
      return;
    }
    if ((m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p)) && (req.method === 'GET' || req.method === 'HEAD')) {
      return this.resolve(req, res, m[1], m[2], m[3], token);
    }
    this.fail(res, 404, '', 'Not Found');
  }

  private handleCdn(req: http.IncomingMessage, res: http.ServerResponse): void {
    const p = new URL(req.url ?? '/', this.cdnEndpoint).pathname;
    this.log.push({ method: req.method ?? '', path: p, range: req.headers.range, auth: req.headers.authorization });
    const m = /^\/lfs-storage\/([0-9a-f]{64})$/.exec(p);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) {
      for (const r of this.repos.values()) {
        for (const [name, f] of r.files) if (f.lfs?.sha256 === m[1]) return this.bytes(req, res, name, f, {});
      }
    }
    res.writeHead(404).end();
  }

  private fail(res: http.ServerResponse, status: number, code: string, message: string): void {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Error-Message': message };
    if (code) headers['X-Error-Code'] = code;
    res.writeHead(status, headers).end(JSON.stringify({ error: message }));
  }

  /** The repo and commit for a request, or an error answer (as the Hub orders its checks). */
  private find(res: http.ServerResponse, id: string, rev: string, token: string | undefined) {
    const repo = this.repos.get(id);
    if (!repo) {
      this.fail(res, token ? 404 : 401, 'RepoNotFound', 'Repository not found');
      return undefined;
    }
    const commit = repo.revisions.get(rev) ?? (this.byCommit.get(rev) === id ? rev : undefined);
    if (!commit) {
      this.fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      return undefined;
    }
    return { repo, commit };
  }

  private modelInfo(res: http.ServerResponse, id: string, rev: string, token: string | undefined, blobs: boolean): void {
    const found = this.find(res, id, rev, token);
    if (!found) return;
    const siblings = [...found.repo.files].map(([name, f]) =>
      blobs ? { rfilename: name, blobId: f.oid, size: f.data.length, ...(f.lfs ? { lfs: { sha256: f.lfs.sha256, size: f.data.length, pointerSize: f.lfs.pointerSize } } : {}) } : { rfilename: name },
    );
    const body = { _id: sha1(id).slice(0, 24), id, modelId: id, sha: found.commit, private: false, gated: found.repo.gated ? 'manual' : false, downloads: 0, likes: 0, lastModified: '2026-01-01T00:00:00.000Z', pipeline_tag: 'text-generation', siblings };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  private pathsInfo(res: http.ServerResponse, id: string, rev: string, token: string | undefined, body: { paths: string[] }): void {
    const found = this.find(res, id, rev, token);
    if (!found) return;
    const out = body.paths.flatMap((name) => {
      const f = found.repo.files.get(name);
      if (!f) return [];
      return [{ type: 'file', path: name, oid: f.oid, size: f.data.length, ...(f.lfs ? { lfs: { oid: f.lfs.sha256, size: f.data.length, pointerSize: f.lfs.pointerSize } } : {}) }];
    });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(out));
  }

  private resolve(req: http.IncomingMessage, res: http.ServerResponse, id: string, rev: string, name: string, token: string | undefined): void {
    const found = this.find(res, id, rev, token);
    if (!found) return;
    if (found.repo.gated && !(token && found.repo.gated.includes(token))) {
      const message = `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      return this.fail(res, token ? 403 : 401, 'GatedRepo', message);
    }
    const f = found.repo.files.get(name);
    if (!f) return this.fail(res, 404, 'EntryNotFound', `${name} does not exist on "${rev}"`);
    const common = { 'X-Repo-Commit': found.commit, ETag: `"${f.oid}"`, 'Accept-Ranges': 'bytes' };
    if (f.lfs) {
      res.writeHead(302, { ...common, 'X-Linked-Etag': `"${f.lfs.sha256}"`, 'X-Linked-Size': String(f.data.length), Location: `${this.cdnEndpoint}/lfs-storage/${f.lfs.sha256}`, 'Content-Length': '0' }).end();
      return;
    }
    this.bytes(req, res, name, f, common);
  }

  /** A file's bytes (GET) or headers (HEAD), honouring `Range: bytes=a-[b]`. */
  private bytes(req: http.IncomingMessage, res: http.ServerResponse, name: string, f: StoredFile, extra: Record<string, string>): void {
    let data = f.data;
    if (this.corrupt === name) {
      data = Buffer.from(data);
      data[data.length >> 1] ^= 0xff;
    }
    const total = data.length;
    const m = this.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = total - 1;
    let status = 200;
    const headers: Record<string, string> = { ...extra, 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ETag: extra.ETag ?? `"${f.lfs?.sha256 ?? f.oid}"` };
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
      if (start >= total) {
        res.writeHead(416, { 'Content-Range': `bytes */${total}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${total}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const body = data.subarray(start, end + 1);
    const drop = this.dropOnce === name;
    if (drop) this.dropOnce = undefined;
    const stopAt = drop ? body.length >> 1 : body.length;
    // In 16 kB pieces, one per turn of the event loop: a client sees progress (and can cancel) mid-file.
    let at = 0;
    const next = (): void => {
      if (at >= stopAt) {
        if (drop) res.socket?.destroy();
        else res.end();
        return;
      }
      const piece = body.subarray(at, Math.min(at + 16384, stopAt));
      at += piece.length;
      res.write(piece, () => (this.paceMs > 0 ? setTimeout(next, this.paceMs) : setImmediate(next)));
    };
    next();
  }
}
