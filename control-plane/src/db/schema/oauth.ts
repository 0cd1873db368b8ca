import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation } from "./_columns.js";
import { tenants, users } from "./tenants.js";

/**
 * Refresh tokens of the tenant's issuer, kept as SHA-256 only. Each use rotates the token: the
 * used row gets `rotatedAt` and a new row joins the same `familyId`. A rotated token presented
 * again means it leaked, so the whole family is revoked (RFC 9700 §4.14.2).
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    familyId: uuid("family_id").notNull(),
    clientId: text("client_id").notNull(),
    /** The tenant user who authorised the grant (authorization_code); null for a client alone. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    /** The access token issued together with this refresh token, revoked with the family. */
    accessJti: text("access_jti"),
    accessExp: timestamp("access_exp", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    rotatedAt: timestamp("rotated_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
    tenantIsolation(),
  ],
).enableRLS();

/**
 * Revoked access-token ids. Bundles carry the rows not yet expired; rows past `exp` are pruned
 * because the gateway refuses an expired token anyway.
 */
export const revokedTokens = pgTable(
  "revoked_tokens",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    jti: text("jti").notNull(),
    exp: timestamp("exp", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.jti] }), tenantIsolation()],
).enableRLS();

/** Authorization codes (RFC 6749 §4.1 with PKCE S256): single use, short-lived, SHA-256 only. */
export const authorizationCodes = pgTable(
  "authorization_codes",
  {
    codeHash: varchar("code_hash", { length: 64 }).primaryKey(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    clientId: text("client_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    redirectUri: text("redirect_uri").notNull(),
    scope: text("scope").notNull(),
    /** base64url SHA-256 of the verifier (only S256 is accepted) */
    codeChallenge: varchar("code_challenge", { length: 64 }).notNull(),
    /** The refresh-token family the code was exchanged for, revoked if the code is replayed. */
    familyId: uuid("family_id").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();
