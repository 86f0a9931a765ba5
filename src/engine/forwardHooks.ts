// What a caller of GPTModel.forward hears while it runs: layers as they finish, the blocks' end,
// and a poll that stops it.
import type { LayerCapture } from './types';

/** Called during forward(), between the blocks and the LM head. */
export interface ForwardHooks {
  /**
   * Every layer's attention [H × T × T] (the same arrays the result will carry), as soon as the
   * last block has run and before ln_f + the LM head; awaited before the head runs.
   */
  afterBlocks?: (attentions: Float32Array[], capture?: LayerCapture) => void | Promise<void>;
  /**
   * Layer `layer`'s attention [H × T × T], every head (a split model's peers' heads included), as
   * soon as that layer has run on every thread, in layer order, while the next layers run (the same
   * array the result will carry: copy, don't modify). With `attentions`; with `onDemand` instead,
   * `attention` is undefined and `thumbs` the layer's thumbnails [H × S × S] (when asked for).
   * A thread of a split model calls it with its own heads only.
   */
  afterLayer?: (layer: number, attention: Float32Array | undefined, thumbs?: Float32Array) => void;
  /**
   * Polled before each layer after the first and before the head: true stops the forward there
   * (it rejects with CANCELLED) on every thread of a split model at once, the model left usable.
   */
  shouldStop?: () => boolean;
}
