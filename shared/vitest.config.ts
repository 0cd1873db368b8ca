import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    // The JSON report feeds the one-line total that `npm test` ends with.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
