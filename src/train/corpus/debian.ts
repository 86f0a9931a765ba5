// Fetches a Debian package into the corpus cache and unpacks it there; nothing is installed.
//   <cache>/deb/<pkg>_<version>_<arch>.deb   from `apt-get download <pkg>`
//   <cache>/x/<pkg>/…                         from `dpkg-deb -x`
// A second run finds both and touches neither the network nor dpkg.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface UnpackedDeb {
  pkg: string;
  /** Debian version from the .deb's file name, e.g. "4.4.7-4.1". */
  version: string;
  /** Root of the unpacked file tree. */
  root: string;
}

function findDeb(debDir: string, pkg: string): string | undefined {
  if (!existsSync(debDir)) return undefined;
  return readdirSync(debDir)
    .filter((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
    .sort()
    .pop();
}

/** Downloads (once) and unpacks (once) `pkg`; throws with apt's message when it cannot. */
export function unpackDeb(cacheDir: string, pkg: string, log: (s: string) => void = () => {}): UnpackedDeb {
  const debDir = join(cacheDir, 'deb');
  mkdirSync(debDir, { recursive: true });
  let file = findDeb(debDir, pkg);
  if (!file) {
    log(`apt-get download ${pkg}`);
    execFileSync('apt-get', ['download', pkg], { cwd: debDir, stdio: ['ignore', 'ignore', 'pipe'] });
    file = findDeb(debDir, pkg);
    if (!file) throw new Error(`apt-get download ${pkg} produced no .deb`);
  }
  const root = join(cacheDir, 'x', pkg);
  if (!existsSync(join(root, 'usr'))) {
    log(`dpkg-deb -x ${file}`);
    mkdirSync(root, { recursive: true });
    execFileSync('dpkg-deb', ['-x', join(debDir, file), root]);
  }
  return { pkg, version: decodeURIComponent(file.split('_')[1] ?? 'unknown'), root }; // epochs are written %3a
}
