import { defineConfig } from 'vitest/config';

/** The end-to-end test against a real Label Studio: `npm run test:label-studio` (slow; not in `npm test`). */
export default defineConfig({
  test: {
    include: ['test/label-studio/**/*.e2e.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
  },
});
