import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { compileEdits, createHeaderTransformHandler } from "./handler.js";

describe("header-transform handler", () => {
  it("removes, renames, then adds (replacing), case-insensitively", () => {
    const edit = compileEdits({
      remove: ["x-secret"],
      rename: { "x-old": "X-New" },
      add: { "x-env": "prod", "x-new": "set" },
    });
    expect(edit?.(["X-Secret", "1", "X-Old", "v", "Accept", "*/*", "X-Env", "dev"])).toEqual([
      "Accept",
      "*/*",
      "x-env",
      "prod",
      "x-new",
      "set",
    ]);
    expect(compileEdits({ remove: [], rename: {}, add: {} })).toBeNull();
  });

  it("queues request and response edits on the exchange, none when a side is empty", () => {
    const h = createHeaderTransformHandler(
      {
        request: { add: { "x-a": "1" }, remove: [], rename: {} },
        response: { add: {}, remove: [], rename: {} },
      },
      testDeps(),
    );
    const ex = testExchange();
    expect(h.onRequest(ex)).toEqual({ ok: true });
    expect(ex.requestEdits).toHaveLength(1);
    expect(ex.responseEdits).toBeNull();
  });
});
