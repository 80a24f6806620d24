import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/engine/**/*.test.ts', 'tests/build/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', 'dist/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
