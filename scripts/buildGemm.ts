// `npm run gemm:build`: assembles src/engine/gemm/kernelWat.ts's text into the two .wasm files the
// engine loads (committed, so neither the build nor the extension needs wabt; the unit test
// test/unit/gemm.test.ts fails when they are out of date).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNEL_FILES } from '../src/engine/gemm/kernelWat';
import { assembleKernel } from './assembleGemm';

async function main(): Promise<void> {
  for (const kind of ['simd', 'relaxed'] as const) {
    const bytes = await assembleKernel(kind);
    const file = join(__dirname, '..', 'src', 'engine', 'gemm', KERNEL_FILES[kind]);
    writeFileSync(file, bytes);
    process.stdout.write(`${file}: ${bytes.length} bytes\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
