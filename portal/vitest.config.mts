import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The JSON report feeds the one-line total that `npm test` ends with.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    include: ["e2e/**/*.e2e.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
