// Causal multi-head self-attention as one op with a hand-written backward, for the wasm backend.
// Its BatchMatMul is fast only for a plain 2-D a @ b (XNNPACK); batched per-head multiplies run
// a naive loop at 1–2 GFLOP/s. So every (batch row, head) pair gets its own 2-D matMuls, masked
// softmax and closed-form softmax backward dS = att ⊙ (dAtt − Σ_j dAtt ⊙ att), on per-head
// tensors that never need slicing. The math is nanoGPT's: softmax(q·kᵀ/√hd + mask)·v.
import { tf } from '../../engine/backend';
import { customOp } from './customOp';

/**
 * x [n, R, C] → n × [R, C] through one download and n uploads. (tf.unstack / tf.slice on wasm
 * copy the WHOLE input once per slice; tf.gather copies element by element: both far slower.)
 */
function rows(x: tf.Tensor3D): tf.Tensor2D[] {
  const [n, r, c] = x.shape;
  const data = x.dataSync() as Float32Array;
  const out: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i++) out.push(tf.tensor2d(data.subarray(i * r * c, (i + 1) * r * c), [r, c])); // [R, C]
  return out;
}

/**
 * qkv [B·T, 3d] (c_attn's output: q | k | v, each split into H heads of hd) → y [B·T, d].
 * `mask` [T, T] is additive (0 or −1e9) and treated as a constant.
 */
export function causalSelfAttention(qkv: tf.Tensor2D, B: number, T: number, H: number, mask: tf.Tensor2D): tf.Tensor2D {
  const d = qkv.shape[1] / 3;
  const hd = d / H;
  const N = B * T;
  const scale = 1 / Math.sqrt(hd);
  const P = B * H; // (batch row, head) pairs, b-major
  const q = (i: number): number => Math.floor(i / H) * 3 * H + (i % H); // index of q(pair i) in [B·3H, …]
  const k = (i: number): number => q(i) + H;
  const v = (i: number): number => q(i) + 2 * H;
  const pairs = Array.from({ length: P }, (_, i) => i);

  const op = customOp((x: tf.Tensor2D) => {
    const s3 = tf.reshape(tf.transpose(tf.reshape(x, [B, T, 3 * H, hd]), [0, 2, 1, 3]), [B * 3 * H, T, hd]); // [B·3H, T, hd]
    const s = rows(s3 as tf.Tensor3D); // B·3H × [T, hd]
    const sT = rows(tf.transpose(s3, [0, 2, 1]) as tf.Tensor3D); // B·3H × [hd, T]
    const att = pairs.map((i) => tf.softmax(tf.add(tf.mul(tf.matMul(s[q(i)], sT[k(i)]), scale), mask)) as tf.Tensor2D); // P × [T, T]
    const y = tf.stack(pairs.map((i) => tf.matMul(att[i], s[v(i)]))); // [B·H, T, hd]
    const value = tf.reshape(tf.transpose(tf.reshape(y, [B, H, T, hd]), [0, 2, 1, 3]), [N, d]) as tf.Tensor2D; // [N, d]
    return {
      value,
      save: [...s, ...sT, ...att],
      grad: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const sl = saved.slice(0, 3 * P) as tf.Tensor2D[]; // [T, hd]
        const slT = saved.slice(3 * P, 6 * P) as tf.Tensor2D[]; // [hd, T]
        const sa = saved.slice(6 * P) as tf.Tensor2D[]; // [T, T]
        const dy4 = tf.reshape(dy, [B, T, H, hd]);
        const dY = rows(tf.reshape(tf.transpose(dy4, [0, 2, 1, 3]), [P, T, hd]) as tf.Tensor3D); // P × [T, hd]
        const dYT = rows(tf.reshape(tf.transpose(dy4, [0, 2, 3, 1]), [P, hd, T]) as tf.Tensor3D); // P × [hd, T]
        const dQ: tf.Tensor2D[] = [];
        const dKV: tf.Tensor2D[] = new Array(2 * P); // per b: H × dKᵀ then H × dVᵀ, each [hd, T]
        for (const i of pairs) {
          const dAtt = tf.matMul(dY[i], slT[v(i)]); // [T, T]
          const dRaw = tf.mul(tf.mul(sa[i], tf.sub(dAtt, tf.sum(tf.mul(dAtt, sa[i]), -1, true))), scale) as tf.Tensor2D; // [T, T]
          const b = Math.floor(i / H);
          dQ.push(tf.matMul(dRaw, sl[k(i)])); // [T, hd]
          dKV[b * 2 * H + (i % H)] = tf.matMul(slT[q(i)], dRaw); // dKᵀ [hd, T]
          dKV[b * 2 * H + H + (i % H)] = tf.matMul(dYT[i], sa[i]); // dVᵀ [hd, T]
        }
        const gq = tf.reshape(tf.transpose(tf.reshape(tf.stack(dQ), [B, H, T, hd]), [0, 2, 1, 3]), [N, d]); // [N, d]
        const gkv = tf.reshape(tf.transpose(tf.reshape(tf.stack(dKV), [B, 2 * H, hd, T]), [0, 3, 1, 2]), [N, 2 * d]); // [N, 2d]
        return [tf.concat([gq, gkv], 1)]; // [N, 3d]
      },
    };
  });
  return op(qkv);
}
