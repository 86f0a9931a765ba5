export interface RewardOptions { base: string; rewardModule: string; prompts: string; out: string; steps?: number; lr?: number; samples?: number; maxNewTokens?: number; kl?: number; seed?: number; log?: (s: string) => void }
export async function runReward(_o: RewardOptions): Promise<void> {
  throw new Error('reward: not implemented yet');
}
