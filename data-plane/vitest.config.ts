import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The JSON report feeds the one-line total that `npm test` ends with.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suites share one NATS server and spawn their own; on a 2-core box running them one
    // file at a time keeps timing-sensitive cases (timeouts, reconnects) honest.
    pool: "forks",
    fileParallelism: false,
  },
});
