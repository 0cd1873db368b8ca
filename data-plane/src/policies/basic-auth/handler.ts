import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { BasicAuthConfig } from "@portico/shared/policies";
import type { z } from "zod";
import type { Exchange } from "../../http/exchange.js";
import { type Outcome, PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

const KEY_LEN = 64;
const CACHE_MAX = 10_000;

const derive = (password: string, salt: Buffer) =>
  new Promise<Buffer>((resolve, reject_) =>
    scrypt(password, salt, KEY_LEN, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject_(err) : resolve(key))),
  );

/** What the control plane (or an admin) stores for a password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("base64url")}$${(await derive(password, salt)).toString("base64url")}`;
}

const INVALID = reject("invalid-credentials");

/**
 * `Authorization: Basic …` checked against scrypt hashes. scrypt costs milliseconds on
 * purpose, so a verified header is remembered (bounded, per bundle apply) and later requests
 * with it cost a Map lookup; a wrong password is never cached.
 */
export function createBasicAuthHandler(config: z.infer<typeof BasicAuthConfig>, _deps: PolicyDeps): PolicyHandler {
  const users = new Map(
    config.credentials.map((c) => {
      const [, salt = "", key = ""] = c.passwordHash.split("$");
      return [
        c.username,
        { salt: Buffer.from(salt, "base64url"), key: Buffer.from(key, "base64url"), app: c.applicationId },
      ];
    }),
  );
  const verified = new Map<string, string>();
  const accept = (ex: Exchange, app: string): Outcome => {
    ex.applicationId = app;
    ex.authenticated = true;
    ex.consumedBearer = true; // the Authorization header carried gateway credentials: not forwarded
    return PASS;
  };
  return {
    onRequest(ex) {
      if (ex.authenticated) {
        return PASS;
      }
      const header = ex.req.headers.authorization;
      if (header === undefined || !/^basic /i.test(header)) {
        return PASS;
      }
      const hit = verified.get(header);
      if (hit !== undefined) {
        return accept(ex, hit);
      }
      const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const user = colon < 0 ? undefined : users.get(decoded.slice(0, colon));
      if (user === undefined) {
        return INVALID;
      }
      return derive(decoded.slice(colon + 1), user.salt).then(
        (key) => {
          if (!timingSafeEqual(key, user.key)) {
            return INVALID;
          }
          if (verified.size >= CACHE_MAX) {
            verified.clear();
          }
          verified.set(header, user.app);
          return accept(ex, user.app);
        },
        () => INVALID,
      );
    },
  };
}
