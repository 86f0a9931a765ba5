// Mocha root hooks: one session for every e2e test file of the run, and a screenshot of the
// window whenever a test or hook fails.
import { session, startSession, stopSession } from './lib/session';

let failures = 0;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(240_000);
    try {
      await startSession();
    } catch (err) {
      await stopSession();
      throw err;
    }
  },
  async afterEach(this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state !== 'failed') return;
    const name = `failed-${++failures}-${this.currentTest.title.replace(/[^\w]+/g, '-').slice(0, 60)}`;
    await session().workbench.screenshot(name).catch(() => undefined);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopSession();
  },
};
