import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Job files import 'gluekit' as users write it; inside the repository that is index.ts.
    alias: [
      { find: /^gluekit\/testing$/, replacement: fileURLToPath(new URL('./local-runner/testing.ts', import.meta.url)) },
      { find: /^gluekit$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests spawn cli/bin.js, which runs the compiled dist/: build it once, before any test.
    globalSetup: ['./scripts/build.mjs'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
