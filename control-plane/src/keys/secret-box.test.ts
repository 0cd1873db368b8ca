import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Db } from "../db/client.js";
import { loadSecretBox } from "./secret-box.js";

// With a configured key the database is not consulted.
const box = (key: string) => loadSecretBox({} as Db, key);

describe("secret box", () => {
  it("opens what it sealed, and nothing sealed under another key or tampered with", async () => {
    const key = randomBytes(32).toString("base64");
    const a = await box(key);
    const sealed = a.seal("app-secret-123");
    expect(sealed).not.toContain("app-secret-123");
    expect(a.seal("app-secret-123")).not.toBe(sealed);
    expect(a.open(sealed)).toBe("app-secret-123");
    expect((await box(randomBytes(32).toString("base64"))).open(sealed)).toBeNull();
    const [v, iv, tag, body] = sealed.split(".");
    // The first character: all six of its bits are ciphertext (the last one's may be padding).
    const flipped = `${body!.startsWith("A") ? "B" : "A"}${body!.slice(1)}`;
    expect(a.open([v, iv, tag, flipped].join("."))).toBeNull();
    expect(a.open("not sealed")).toBeNull();
  });
});
