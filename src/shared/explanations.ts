// Every string the Layer Stepper shows, in English. The English text is also the l10n key: the
// host translates each one with vscode.l10n.t (l10n/bundle.l10n.<lang>.json) and sends the result
// to the webview in its Init message, since a webview cannot call vscode.l10n itself.
// Placeholders {0}, {1} are filled in by the webview with `formatText`.

export const STEPPER_TEXT = {
  // ---- chrome ----
  analyzeSelection: 'Analyse selection',
  noRun: 'No analysis yet. Select some text in an editor and press "Analyse selection", or run "Show Attention".',
  stale: 'The text changed since this analysis: analyse again to update the numbers.',
  loading: 'Loading…',
  tabSteps: 'Steps',
  exportCsv: 'Save CSV',
  exportJson: 'Save JSON',
  exportStepTitle: 'Save the numbers of this step as {0}, with the query token’s text and offsets',
  tabLens: 'Logit lens',
  tabModel: 'Model',
  queryToken: 'Query token',
  layer: 'Layer',
  head: 'Head',
  prevStep: 'Previous step',
  nextStep: 'Next step',
  stepOf: 'Step {0} of {1}',
  keysHint: '← → steps · PageUp / PageDown layers',
  formula: 'Formula',
  shape: 'Shape',
  sum: 'sum',
  token: 'token',
  tokenId: 'id',
  partOfChar: 'part of {0} ({1}): bytes {2} of {3}, {4}',
  bytesOfChar: 'part of a character: {0}',
  logit: 'logit',
  probability: 'probability',
  position: 'position',
  predicted: 'Predicted next token: {0} with probability {1}',
  stageEmbedding: 'Embedding',
  stageLayer: 'Layer {0}',
  stageOutput: 'Output',
  queryVector: 'query q',
  keyVectors: 'keys k (one per token so far)',
  valueVectors: 'values v (one per token so far)',
  inputVector: 'input',
  outputVector: 'output',
  tokenEmbedding: 'token embedding {0}[id]',
  positionEmbedding: 'position embedding {0}[position]',
  residualStream: 'residual stream',
  attentionOutput: 'attention output',
  concatenated: 'heads concatenated',
  hiddenBefore: 'hidden, before the activation',
  hiddenAfter: 'hidden, after the activation ({0})',
  ffnOutput: 'feed-forward output',
  headOutput: 'head {0} output',
  headRow: 'head {0}',
  rmsValue: 'root mean square rms(x) = √(mean(x²) + ε)',
  normWeight: 'learned weight w',
  queryProjected: 'query q, as q_proj gives it',
  keysProjected: 'keys k, as k_proj gives them (one per token so far)',
  queryNormed: 'query q after q_norm',
  keyProjectedAtQuery: 'key k of the query token, as k_proj gives it',
  keyNormed: 'key k of the query token after k_norm',
  qNormWeight: 'q_norm weight',
  kNormWeight: 'k_norm weight',
  queryBeforeRope: 'query q before RoPE',
  queryAfterRope: 'query q after RoPE',
  keysBeforeRope: 'keys k before RoPE (one per token so far)',
  keysAfterRope: 'keys k after RoPE, each turned by its own position',
  ropeTable: 'The angle of each dimension pair: head {0} at position {1}',
  ropePair: 'pair i',
  ropePairs: 'rotating pairs',
  ropeDims: 'dims',
  ropeUnscaled: 'θ_i before scaling',
  ropeAngle: 'angle p·θ_i (rad)',
  ropeScalingNote: 'rope_scaling {0} (factor {1}): θ_i are the rescaled frequencies the model uses; the column before them shows the unscaled ones.',
  ropeDynamicNote: 'rope_scaling {0} (factor {1}) only changes the frequencies past the trained context length; here they are the unscaled ones.',
  partialRotaryNote: 'Only the first {0} of the {1} dims of each head rotate (partial_rotary_factor); the rest pass through unchanged.',
  kvGroupNote: 'Query heads {0}–{1} share key/value head {2}: each compares its own query with the same keys and reads the same values.',
  kvGroupTable: 'Which query heads read each key/value head',
  kvHeadColumn: 'key/value head',
  queryHeadsColumn: 'query heads',
  kvKeys: 'keys k of key/value head {0}, after RoPE',
  kvValues: 'values v of key/value head {0}',
  swigluGate: 'gate = gate_proj(x)',
  swigluSilu: 'gate after the activation: silu(gate) = gate · σ(gate)',
  swigluUp: 'up = up_proj(x)',
  swigluProduct: 'product silu(gate) ⊙ up (what down_proj reads)',
  slidingWindowNote: 'This layer attends through a sliding window of {0} tokens: a query sees only the last {0} tokens, itself included.',
  showingOf: 'showing {0} of {1} values; hover a cell for its exact number',
  lensCaption:
    'What the model would predict at each position if it stopped after each layer: the final layer norm and the unembedding applied to the residual stream. Each cell shows the top token, shaded by its probability; hover for the top 5. The last row is the model’s real prediction.',
  lensCaptionRms:
    'What the model would predict at each position if it stopped after each layer: the final RMSNorm (model.norm) and {0} applied to the residual stream. Each cell shows the top token, shaded by its probability; hover for the top 5. The last row is the model’s real prediction.',
  lensCaptionNoFinalNorm:
    'What the model would predict at each position if it stopped after each layer: {0} applied to the residual stream as it is, since GPT-1 has no final norm (each block already ends in a layer norm). Each cell shows the top token, shaded by its probability; hover for the top 5. The last row is the model’s real prediction.',
  headTied: 'the output head (the token-embedding table transposed: tied weights)',
  headUntied: 'the output head (lm_head, a matrix of its own, not tied to the token embeddings)',
  lensEmbeddings: 'embeddings',
  lensAfterLayer: 'after layer {0}',
  lensComputing: 'Computing the logit lens…',
  computing: 'Running the forward pass…',
  modelFigures: 'This model',
  figLayers: 'Layers',
  figHeads: 'Attention heads per layer',
  figWidth: 'Width (d_model)',
  figHeadWidth: 'Head width (d_k)',
  figInner: 'Feed-forward width',
  figVocab: 'Vocabulary',
  figContext: 'Context (tokens)',
  figParams: 'Parameters',
  figActivation: 'Activation',
  figFamily: 'Architecture',
  figKvHeads: 'Key/value heads per layer',
  figNorm: 'Normalisation',
  figPositions: 'Positions',
  figRope: 'RoPE: θ = {0}, {1} of {2} dims rotate',
  figRopeScaling: 'RoPE scaling (rope_scaling)',
  figLearnedPositions: 'learned position embeddings',
  figSlidingWindow: 'Sliding window',
  figWindowValue: '{0} tokens, in layers {1} to {2}',
  figHead: 'Output head',
  figHeadTied: 'tied: the token-embedding table transposed',
  figHeadUntied: 'lm_head, a matrix of its own',
  figQkNorm: 'Query/key norm',
  figQkNormValue: 'RMSNorm over each head (q_norm, k_norm)',
  figNormPre: 'before each sublayer (pre-norm)',
  figNormPost: 'after each residual add (post-norm)',
  figWeightsDtype: 'Weights (dtype in the checkpoint)',
  dtypeMixed: 'mixed (more than one dtype)',
  modelCard: 'Model card: training corpus, loss and how it was trained',
  bundledModel: 'This is the small model bundled with Attention Lens.',
  noCard: 'This model folder has no README.md model card, so its training corpus and loss are unknown here.',

  // ---- step titles ----
  titleTokens: 'Tokens → ids',
  titleTokenEmbedding: 'Token embedding',
  titlePositionEmbedding: 'Position embedding',
  titleInput: 'Input vector = token + position',
  titleLn1: 'Layer norm before attention',
  titleQkv: 'Query, key and value of each head',
  titleScores: 'Similarity scores q·kᵀ',
  titleScale: 'Scaling by 1/√d_k',
  titleMask: 'Causal mask',
  titleSoftmax: 'Softmax into weights',
  titleWeightedSum: 'Weighted sum of the values',
  titleProjection: 'Heads concatenated, output projection',
  titleResidual1: 'Residual add after attention',
  titleLn2: 'Layer norm before the feed-forward network',
  titleFfn: 'Feed-forward network',
  titleResidual2: 'Residual add after the feed-forward network',
  titleFinalLn: 'Final layer norm → logits',
  titleSoftmaxOut: 'Softmax → the predicted next token',
  titleEmbedInput: 'Input vector = the token embedding',
  titleRmsNorm1: 'RMSNorm before attention (input_layernorm)',
  titleQkNorm: 'q/k norm: RMSNorm of each head’s query and key',
  titleRope: 'Rotary position embedding (RoPE)',
  titleKvGroup: 'The key/value head this query head reads',
  titleRmsNorm2: 'RMSNorm before the feed-forward network (post_attention_layernorm)',
  titleSwiglu: 'SwiGLU feed-forward network',
  titlePostLn1: 'Layer norm after attention (ln_1)',
  titlePostLn2: 'Layer norm after the feed-forward network (ln_2)',
  titleFinalRmsNorm: 'Final RMSNorm → logits',
  titleHeadOnly: 'The output head → logits',

  // ---- explanations beside each step ----
  explainTokens:
    'The text is cut into tokens, pieces of words found by byte-pair encoding, and each token is replaced by its number in the vocabulary. The model never sees letters, only these ids.',
  explainTokenEmbedding:
    'Each id picks one row of the token-embedding table wte: a vector of d_model learned numbers that stands for the token. Tokens used in similar ways end up with similar vectors.',
  explainPositionEmbedding:
    'Attention by itself does not know the order of tokens, so a second learned table wpe gives every position its own vector.',
  explainInput:
    'The two vectors are added. This sum is the start of the residual stream: one vector per token that every layer reads from and adds to.',
  explainLn1:
    'Layer norm rescales the vector to mean 0 and variance 1, then applies a learned scale γ and shift β. It keeps the numbers in a steady range however deep the model is.',
  explainQkv:
    'Three learned projections turn the normalised vector into a query (what this token is looking for), a key (what each token offers to be found by) and a value (what each token passes on when it is attended to). Each head has its own smaller q, k and v of width d_k.',
  explainScores:
    'The query is compared with the key of every token by a dot product: a large score means the key matches what the query looks for.',
  explainScale:
    'A dot product of d_k numbers grows with d_k. Dividing by √d_k keeps the scores in a range where the softmax is not saturated, so the weights stay smooth and training stays stable.',
  explainMask:
    'The model learns to predict the next token, so a token may only look at itself and the tokens before it. Scores for later tokens are set to −∞, which the softmax turns into a weight of exactly 0.',
  explainSoftmax:
    'The softmax exponentiates the scores and divides by their sum: the weights are positive and sum to 1. They say how much of each earlier token this head reads.',
  explainWeightedSum:
    'The head’s output is the average of the value vectors, weighted by the attention weights: what this head gathers from the context for this token.',
  explainProjection:
    'Each head can attend to something different: one follows the previous token, another a matching bracket, another the subject of the sentence. Multi-head attention concatenates the heads’ outputs and mixes them back to d_model with a learned output projection.',
  explainResidual1:
    'The attention output is added to the residual stream instead of replacing it. The stream carries everything known about the token so far; each layer reads it and writes a small update, and gradients flow straight through it during training.',
  explainLn2: 'A second layer norm prepares the updated stream for the feed-forward network.',
  explainFfn:
    'The feed-forward network works on each token on its own: it widens the vector (usually 4 × d_model), applies a non-linear activation, and projects it back. Much of the model’s stored knowledge lives in these weights.',
  explainResidual2:
    'The feed-forward output is added to the residual stream too. The result is the block’s output and the next layer’s input.',
  explainFinalLn:
    'After the last block, a final layer norm is applied and the vector is multiplied by the transposed token-embedding table (the weights are tied): one score, a logit, for every token in the vocabulary.',
  explainSoftmaxOut:
    'The softmax turns the logits into probabilities over the whole vocabulary. Greedy decoding picks the most likely token; sampling draws from the distribution. The chosen token is appended and the whole pass runs again.',
  explainEmbedInput:
    'In this model the first layer’s input is the token embedding alone: no position vector is added. Positions enter inside every attention layer instead, where RoPE turns each query and key by an angle that grows with the token’s position.',
  explainRmsNorm1:
    'RMSNorm divides the vector by its root mean square, √(mean(x²) + ε), and multiplies each dimension by a learned weight w. Unlike layer norm it neither subtracts the mean nor adds a bias: it is cheaper, and in practice just as stable.',
  explainQkNorm:
    'This model (Qwen3) normalises each head’s query and key with an RMSNorm of their own (q_norm, k_norm, over the head’s d_k values) before RoPE. It keeps the dot products from growing too large during training, so attention does not collapse onto a single token.',
  explainRope:
    'RoPE puts the position into the query and the key by turning them. A head’s dimensions form pairs (i, i + d/2); each pair is rotated by the angle position · θ_i, fast for the first pairs and ever slower for the last. Since q and k are each turned by their own position, their dot product depends only on how far apart the two tokens are.',
  explainKvGroup:
    'With grouped-query attention the model has fewer key/value heads than query heads: a group of query heads shares one set of keys and values. Each head still asks its own question (its own q), but the KV cache is several times smaller, which makes long texts cheaper to generate.',
  explainRmsNorm2:
    'A second RMSNorm, with its own learned weight, prepares the updated stream for the feed-forward network.',
  explainSwiglu:
    'The feed-forward network is gated: two projections widen the vector; one of them, the gate, goes through silu and then multiplies the other, up, value by value, so the gate decides how much of each hidden unit passes. down_proj brings the result back to d_model. Much of the model’s stored knowledge lives in these weights.',
  explainPostLn1:
    'GPT-1 normalises after the residual add rather than before the sublayer: the sum x + a is layer-normalised, and the result is both the feed-forward network’s input and the stream carried on. Later models (GPT-2 onwards) moved the norm in front of each sublayer, which trains deep stacks more stably.',
  explainPostLn2:
    'The feed-forward output is added to the stream and the sum is layer-normalised again. The result is the block’s output and the next layer’s input.',
  explainFinalRmsNorm:
    'After the last block, a final RMSNorm (model.norm) is applied and the vector is multiplied by the output head: the transposed token-embedding table when the weights are tied, otherwise a separate lm_head. The result is one score, a logit, for every token in the vocabulary.',
  explainHeadOnly:
    'GPT-1 has no final norm: each block already ends in a layer norm. The last block’s output is multiplied by the transposed token-embedding table (the weights are tied): one score, a logit, for every token in the vocabulary.',

  // ---- the Model section ----
  modelBuiltTitle: 'How a decoder-only model is built',
  modelBuilt:
    'A GPT-style model is a stack of identical blocks over a residual stream: token and position embeddings go in; each block applies masked multi-head self-attention and a feed-forward network, each behind a layer norm and added back to the stream; a final layer norm and the unembedding give a score for every possible next token.',
  modelBuiltLlama:
    'This model is built the Llama way: a stack of identical blocks over a residual stream. Only the token embeddings go in; positions enter in every attention layer, where RoPE turns each query and key by an angle that grows with the token’s position. Each block applies {0} and a SwiGLU feed-forward network, each behind an RMSNorm and added back to the stream; a final RMSNorm and {1} give a score for every possible next token.',
  attnMultiHead: 'masked multi-head self-attention',
  attnGrouped: 'masked grouped-query attention ({0} query heads share {1} key/value heads, {2} query heads per group)',
  attnMultiQuery: 'masked multi-query attention (all {0} query heads share a single key/value head)',
  modelBuiltQkNorm: 'Before RoPE, each head’s query and key pass through an RMSNorm of their own (q_norm, k_norm).',
  modelBuiltWindowAll: 'In every layer, attention sees only the last {0} tokens (a sliding window).',
  modelBuiltWindowFrom: 'From layer {0} on, attention sees only the last {1} tokens (a sliding window).',
  modelBuiltGpt1:
    'GPT-1, the first GPT, is a stack of identical blocks over a residual stream: token embeddings (tokens_embed) plus learned position embeddings (positions_embed) go in; each block applies masked multi-head self-attention and a feed-forward network, each added back to the stream and then layer-normalised (post-norm: the norm comes after the residual add, where later models put it before each sublayer). There is no final norm: the last block’s output times the transposed tokens_embed (the head is tied to it) gives a score for every possible next token.',
  modelTrainedTitle: 'How it is trained',
  modelPretraining:
    'Pre-training: the model reads a large corpus and, at every position, predicts the next token. The loss is the cross-entropy (the negative log-probability of the true next token), averaged over all positions, and gradient descent lowers it. The causal mask lets one pass train every position at once.',
  modelFinetuning:
    'Fine-tuning: an assistant model is then trained on example conversations written by people (supervised fine-tuning), and afterwards with a reward that prefers the answers people rate higher (reinforcement learning from human feedback, or direct preference optimisation).',
} as const;

/** Messages the host shows itself (notifications, the busy line), translated the same way. */
export const STEPPER_HOST_TEXT = {
  noEditor: 'Attention Lens: open a file and select some text to step through.',
  analysing: 'Analysing…',
  loadingModel: 'Loading the model…',
} as const;

export type StepperTextKey = keyof typeof STEPPER_TEXT;
export type StepperStrings = Record<StepperTextKey, string>;

/** Translates every string with `t` (vscode.l10n.t on the host; the identity gives English). */
export function localizeStepperText(t: (message: string) => string): StepperStrings {
  const out = {} as StepperStrings;
  for (const key of Object.keys(STEPPER_TEXT) as StepperTextKey[]) out[key] = t(STEPPER_TEXT[key]);
  return out;
}

/** Fills {0}, {1}, … in a (translated) template; a placeholder without a value stays as it is. */
export function formatText(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (match, i: string) => {
    const v = args[Number(i)];
    return v === undefined ? match : String(v);
  });
}
