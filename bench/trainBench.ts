export async function runTrainBench(_o: { config: string; steps?: number }): Promise<void> {
  throw new Error('bench: not implemented yet');
}
