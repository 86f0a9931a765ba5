// The mean over a layer's heads, one function for the engine (head −1 of a kept run) and the panel
// (the same from the layers it was streamed), so both sum in the same order and give the same bits.

/** One head [T × T] of a layer's attention [H × T × T] (a copy), or, head −1, the mean over the heads. */
export function headOrMean(layer: Float32Array, nHead: number, T: number, head: number): Float32Array {
  const TT = T * T;
  if (head >= 0) return layer.slice(head * TT, (head + 1) * TT);
  const mean = new Float32Array(TT); // [T × T]
  for (let h = 0; h < nHead; h++) {
    const off = h * TT;
    for (let i = 0; i < TT; i++) mean[i] += layer[off + i];
  }
  for (let i = 0; i < TT; i++) mean[i] /= nHead;
  return mean;
}
