export interface SftOptions { base: string; data: string; out: string; steps?: number; lr?: number; batchSize?: number; seed?: number; log?: (s: string) => void }
export async function runSft(_o: SftOptions): Promise<void> {
  throw new Error('finetune: not implemented yet');
}
