import { describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS, missingNodeFlags } from "./node-flags.js";

describe("missingNodeFlags", () => {
  it("lists every flag when node was started with none", () => {
    expect(missingNodeFlags([], undefined)).toEqual(GATEWAY_NODE_FLAGS);
  });

  it("finds a flag on the command line or in NODE_OPTIONS, whatever value the operator chose", () => {
    expect(missingNodeFlags(["--max-semi-space-size=64", "--min-semi-space-size=64"], undefined)).toEqual([]);
    expect(missingNodeFlags([], "--enable-source-maps  --max_semi_space_size=16 --min-semi-space-size=1")).toEqual([]);
    expect(missingNodeFlags(["--max-semi-space-size=64"], "--min-semi-space-size=64")).toEqual([]);
  });

  it("lists only the flags not given", () => {
    expect(missingNodeFlags(["--max-semi-space-size=64"], undefined)).toEqual(["--min-semi-space-size=32"]);
  });

  it("does not take a flag that merely starts with the same name", () => {
    expect(missingNodeFlags(["--max-semi-space-size-x=1"], "")).toEqual(GATEWAY_NODE_FLAGS);
  });
});
