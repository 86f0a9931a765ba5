// A reward for `node dist/train.js reward --reward examples/reward-keyword.mjs`: +1 when the
// completion mentions the keyword, minus a small penalty per character beyond 80 (keeps answers short).
// Any ES module whose default export is `reward(prompt, completion) → number` works the same way.
const KEYWORD = process.env.REWARD_KEYWORD ?? 'public';

export default function reward(prompt, completion) {
  const mentions = completion.toLowerCase().includes(KEYWORD.toLowerCase()) ? 1 : 0;
  const tooLong = Math.max(0, completion.length - 80);
  return mentions - 0.01 * tooLong;
}
