import { describe, expect, it } from "vitest";
import { QueryRewriteConfig } from "../query-rewrite/schema.js";
import { PathRewriteConfig } from "./schema.js";

describe("path-rewrite and query-rewrite schemas", () => {
  it("refuses paths that could climb and empty rewrites", () => {
    expect(PathRewriteConfig.safeParse({ prefix: "/a", replacement: "/../b" }).error?.issues[0]?.message).toBe(
      "no dot segments",
    );
    expect(PathRewriteConfig.safeParse({ prefix: "a", replacement: "/b" }).success).toBe(false);
    expect(QueryRewriteConfig.safeParse({}).error?.issues[0]?.message).toBe("nothing to rewrite");
  });
});
