// The CLI's --help text.
export const USAGE = `Usage: node dist/cli.js <command> [options]

Commands:
  dump      Run the model over a text file and write its tokens, logits and attentions.
            --model DIR|REPO   model folder (config.json, *.safetensors, tokenizer files), or a
                               Hub repo id org/name[@rev] already in the Hugging Face cache
                               (read offline; see pull)
            --text-file FILE   UTF-8 text
            --out OUTDIR       created if missing; receives
                                 tokens.json      [{"id","text","start","end","label"}], offsets are
                                                  UTF-16 code units into the file's text; a token
                                                  holding part of a character has text "\uFFFD",
                                                  label "自¹⁄₃" (its character, bytes 1 of 3)
                                                  and "bytes": "E8" (hex)
                                 meta.json        {"family","nLayer","nHead","nKvHead","headDim",
                                                  "nEmbd","vocabSize","T"} (+ "attentionHeads")
                                 logits.f32       float32 little-endian, row-major [T, vocabSize]
                                 attentions.f32   float32 little-endian [nLayer, nHead, T, T],
                                                  post-softmax, over query heads
            --attentions WHICH all (default): every map, as above
                               none: no attentions.f32 (and a cheaper forward)
                               L:H,L:H…: those maps only, [n, T, T] in the order given,
                                 listed in meta.json as "attentionHeads": [[L, H], …]
                                 (layer and head from 0; L.H works too), computed on
                                 demand: only those layers' queries and keys are kept
            --max-memory MB    memory budget of what the engine keeps (default: an eighth of
                               the machine's memory, 256 to 4096); past it the maps are kept
                               on demand and rebuilt, attentions.f32 written head by head
            --truncate         keep the first n_positions tokens of a longer text
            With an encoder–decoder model (MarianMTModel, T5ForConditionalGeneration) it writes
            instead: source_tokens.json [{"id","text"}], target_tokens.json (the decoder's input:
            the start token, then the target), meta.json, and float32 little-endian
              encoder_attentions.f32 [L, H, S, S]   decoder_attentions.f32 [L, H, T, T]
              cross_attentions.f32   [L, H, T, S]   logits.f32 [T, vocabSize]
            --target-file FILE the target text (default: the greedy translation, 64 tokens at most)

  translate Translate with an encoder–decoder model; prints ONE JSON line {"ids", "text"}
            (ids: generated target ids, without the start token; the EOS when reached).
            --model DIR|REPO
            --text-file FILE   the source text
            --beam N           beam search of width N (default 1: greedy)
            --max-new-tokens N default 64

  generate  Continue a prompt; prints ONE JSON line {"ids": [new ids], "text": "new text"}.
            --model DIR|REPO
            --prompt-file FILE
            --max-new-tokens N
            --temperature T    default 1.0 (plain sampling, as Hugging Face); 0 = greedy
            --top-k K          keep the K most likely tokens (0 = off, the default)
            --top-p P          nucleus sampling, 0 < P ≤ 1 (default 1 = off)
            --seed S           seed of the sampler (default: random); same seed, same output
            --stop STR         stop when the new text contains STR (repeatable)
            --chat             the prompt file is the user's message: it is rendered through
                               the model's chat template (tokenizer_config.json's
                               "chat_template" or chat_template.jinja) and the model answers
            --truncate         accept a prompt longer than the context (otherwise exit 2)
                               A prompt that leaves less room than --max-new-tokens keeps
                               only its LAST n_positions − N tokens (context sliding).

  heads     Score every attention head; prints ONE JSON line, an array in layer-major order:
            [{"layer","head","scores":{"previousToken","induction","duplicateToken",
            "firstToken","local","entropy"},"badges":["previousToken"|"induction"|
            "firstToken"|"duplicateToken", …]}]; a score with nothing to average over is null.
              previousToken   mean attention from position i to i−1
              induction       attention from a repeated token to the token after its earlier
                              occurrence
              duplicateToken  attention from a token to its earlier occurrences
              firstToken      mean attention on position 0 (attention sink)
              local           mean attention distance in tokens (smaller = more local)
              entropy         mean entropy of the attention rows, in bits
            A badge: the score reaches its threshold (previousToken 0.5, induction 0.3,
            firstToken 0.5, duplicateToken 0.3).
            --model DIR|REPO
            --text-file FILE   the text to score
            --probe            score the standard probe instead: 32 random ordinary tokens
                               (seeded, no special tokens) repeated twice, after the BOS the
                               tokenizer adds, if any; --text-file is then not read
            --truncate         keep the first n_positions tokens of a longer text

  report    Write one self-contained HTML report of a text (no network: data, script and style
            inline; opens offline in any browser): the text, its tokens tinted by surprisal with
            the top-5 predictions after each, the overview of every layer × head, the heads
            asked for at full size, and the model's card facts. Prints ONE JSON line
            {"out","bytes","T","heads":[[L,H],…]}.
            --model DIR|REPO
            --text-file FILE
            --out FILE.html
            --heads L.H,L.H…   heads shown at full size (L:H works too; all; default none)
            --theme light|dark colours of the report (default light)
            --lang en|zh-cn    the report's language (default en)
            --gamma            gamma colour scale (lifts small weights), as the panel's toggle
            --truncate         keep the first n_positions tokens of a longer text

  attribute Token attribution for the prediction at one position: how much each token up to
            it raised (+) or lowered (−) log p(predicted token). Prints ONE JSON line
            {"position","predicted":{"id","text"},"method","logProb",
            "tokens":[{"start","end","text","score"}]} (tokens 0…position; offsets as in dump);
            occlusion adds "replacement":{"id","text"}, ig adds "steps" and "baselineDelta"
            (f(input) − f(baseline), which the scores sum to).
            --model DIR|REPO
            --text-file FILE
            --position P       the token (from 0) whose prediction is explained
            --method M         grad (default): gradient × input on the token embeddings
                               ig: integrated gradients from zero token embeddings
                               occlusion: each token replaced by the end-of-text token in turn,
                                 score = drop in log p (nats)
            --target ID        the predicted token to explain (default: the top prediction at P)
            --steps N          ig's steps (default 32, at most 512)

  compare   One text under two models, or two texts under one model: which heads' attention
            changed, and by how much.
            --model DIR|REPO   model A
            --model-b DIR|REPO model B (the same text under both), or
            --text-file-b FILE text B (both texts under model A); give exactly one of the two
            --text-file FILE   text A (UTF-8)
            --out OUTDIR       created if missing; receives
                                 summary.json     {"mode":"models"|"texts","alignment","a","b",
                                                  "layersRelative","headsRelative","G","onlyA",
                                                  "onlyB","heads":[{"layerA","headA","layerB",
                                                  "headB","meanAbsDiff"}, …]} with heads sorted
                                                  by meanAbsDiff, largest first: the mean of
                                                  |B − A| over the causal cells of the maps on
                                                  the compared token groups
                                 alignment.json   [{"kind","a":[from,to],"b":[from,to],"textA",
                                                  "textB"}]: token groups in order; kind "same"
                                                  (one token each side), "merged" (tokenizers
                                                  split the same characters differently), "onlyA"
                                                  (deleted, or no span in B), "onlyB" (inserted)
                                 diff.f32         float32 little-endian [n, G, G]: B − A for each
                                                  head of --attentions, in the order given; G =
                                                  the groups with tokens on both sides, in
                                                  alignment.json's order; row = query group,
                                                  column = key group; a group's row is the mean
                                                  over its query tokens of the attention summed
                                                  over each key group's tokens
            --attentions WHICH none (default): no diff.f32
                               L:H,L:H…: A's heads (L.H works too), each against B's head at the
                                 same relative depth (listed in summary.json's "diffHeads" as
                                 [layerA, headA, layerB, headB])
                               all: every head of A, layer-major
            --truncate         keep the first n_positions tokens of a longer text
            Alignment: the same tokenizer gives token k ↔ k ("identical"); two tokenizers are
            aligned by the characters each token covers ("spans"); two texts by a diff of the
            token ids ("diff"). Models of different depth (or head count) are paired by relative
            depth: index k of the shallower ↔ floor((k + ½) · nDeeper / nShallower).

  ablate    Ablate heads and compare the next-token loss; prints ONE JSON line
            {"baseLoss","ablatedLoss","perToken":[{"start","end","base","ablated"}]}: the mean
            loss in nats over tokens 1…T−1 without and with the ablation, and each token's
            loss (−ln p of that token given the ones before; start/end: UTF-16 offsets).
            --model DIR|REPO
            --text-file FILE
            --heads L.H,L.H…   the heads to ablate (layer and head from 0; L:H works too)
            --mode zero|mean   their output before the output projection set to 0 (default)
                               or to its mean over the text's positions

  patch     Activation patching (clean → corrupted); prints ONE JSON line {"layers":[[…]],
            "heads":[[…]],"cleanDiff","corruptDiff"}: the recovered fraction of the logit
            difference target − contrast at the last position, (patched − corrupt) /
            (clean − corrupt), patching the residual stream after each block at one position
            (layers[layer][position]) or one head's output at every position (heads[layer][head]).
            --model DIR|REPO
            --clean-file FILE  e.g. "When Mary and John went to the store, John gave a drink to"
            --corrupt-file FILE  the same number of tokens, e.g. with the names swapped
            --target TOKEN     one token the clean text favours, e.g. " Mary"
            --contrast TOKEN   one token to compare it with, e.g. " John"

  info      Print the model's description as JSON (with "family", "nKvHead", "headDim").
            --model DIR|REPO

  check     Validate a model folder whole: config.json, every safetensors header (bounds, dtypes,
            shards), every weight's name and shape against the config, the tokenizer (it loads
            and gives back a sample text with Chinese and emoji) and the chat template. Prints
            ONE line per problem naming its file ("ok: DIR" when there is none); exit 0 only
            when clean, 1 otherwise. Reads no tensor data.
            --model DIR|REPO

  pull REPO_ID[@REV]
            Download a model from the Hugging Face Hub into the Hugging Face cache (shared with
            Python's huggingface_hub): config.json, generation_config.json, the tokenizer files
            and model.safetensors (or its index and every shard); never *.bin pickles. Progress
            on stderr; prints ONE JSON line {"repo","revision","commit","path"} (path = the
            snapshot folder, usable as --model). An interrupted download resumes.
            --cache-dir DIR    default: HF_HUB_CACHE, else HF_HOME/hub, else
                               XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
            Environment: HF_TOKEN (else the token file in HF_HOME) for gated and private
            repos; HF_ENDPOINT (a mirror); HF_HUB_OFFLINE=1 resolves from the cache only.

  cache     List the models in the Hugging Face cache, ONE JSON line per snapshot:
            {"repo","revision","commit","path","architecture","supported","params","bytes",
            "dtype"} (+ "reason" when not supported, "missing" when the snapshot lacks files
            it needs, e.g. only config.json was fetched).
            --cache-dir DIR

Options:
  --backend wasm|cpu   TensorFlow.js backend (default wasm)
  -h, --help           this text

Exit codes: 0 done; 1 bad input (one line on stderr naming the file and the problem);
2 the text is longer than the model's context (use --truncate).
`;
