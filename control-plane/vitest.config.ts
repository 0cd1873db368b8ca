import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The JSON report feeds the one-line total that `npm test` ends with.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: suites start servers and databases of their own; one file at a time keeps
    // timings honest and the machine responsive.
    fileParallelism: false,
  },
});
