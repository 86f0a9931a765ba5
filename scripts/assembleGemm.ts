// WAT → wasm bytes with wabt, a dev dependency: only `npm run gemm:build` (scripts/buildGemm.ts) and
// the unit test use it; the extension loads the committed .wasm files.
import wabt from 'wabt';
import { kernelWat, type KernelKind } from '../src/engine/gemm/kernelWat';

export async function assembleKernel(kind: KernelKind): Promise<Uint8Array> {
  const mod = (await wabt()).parseWat(`gemm-${kind}.wat`, kernelWat(kind), { simd: true, relaxed_simd: true });
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}
