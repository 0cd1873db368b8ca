import { z } from "zod";
import { Role, Slug, Tag } from "./index.js";

/**
 * The developer portal: a tenant's public catalog (PUBLISHED and DEPRECATED APIs only),
 * self-registration of developers, documentation pages, ratings and comments.
 */

export const RegisterDeveloperRequest = z
  .object({ tenant: Slug, email: z.email().max(254), password: z.string().min(8).max(200) })
  .meta({ id: "RegisterDeveloperRequest" });
export const RegisterDeveloperResponse = z
  .object({ user: z.object({ id: z.string(), email: z.string(), role: Role }), accessToken: z.string() })
  .meta({ id: "RegisterDeveloperResponse" });

export const PortalSettings = z
  .object({
    openRegistration: z.boolean().meta({ description: "anyone may register as a developer on the portal" }),
  })
  .meta({ id: "PortalSettings" });
export const UpdatePortalSettingsRequest = PortalSettings.partial()
  .strict()
  .meta({ id: "UpdatePortalSettingsRequest" });

export const PortalInfo = z
  .object({ tenant: z.object({ slug: z.string(), name: z.string() }), openRegistration: z.boolean() })
  .meta({ id: "PortalInfo" });

export const RatingSummary = z
  .object({
    average: z.number().nullable().meta({ description: "mean of all ratings, null when there is none" }),
    count: z.number().int(),
  })
  .meta({ id: "RatingSummary" });

export const CatalogApi = z
  .object({
    id: z.string(),
    name: z.string(),
    context: z.string(),
    version: z.string(),
    status: z.enum(["PUBLISHED", "DEPRECATED"]),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    resources: z.array(
      z
        .object({ method: z.string(), path: z.string(), summary: z.string().optional() })
        .meta({ id: "CatalogResource" }),
    ),
    subscriptionApproval: z.boolean(),
    sunsetAt: z.string().nullable(),
    endpoints: z
      .array(z.object({ environment: z.string(), url: z.string() }))
      .meta({ description: "gateway URL per environment where the API is live" }),
    rating: RatingSummary,
    updatedAt: z.string(),
  })
  .meta({ id: "CatalogApi" });
export type CatalogApi = z.infer<typeof CatalogApi>;

export const CatalogQuery = z.object({
  q: z.string().trim().max(100).optional().meta({ description: "part of the name, context or description, any case" }),
  tag: Tag.optional().meta({ description: "only APIs carrying this tag" }),
});

export const DocSlug = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and inner dashes only");

export const DocPage = z
  .object({
    id: z.string(),
    apiId: z.string(),
    slug: z.string(),
    title: z.string(),
    body: z.string().meta({ description: "Markdown; the portal renders it without raw HTML" }),
    position: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "DocPage" });
export type DocPage = z.infer<typeof DocPage>;

export const CreateDocPageRequest = z
  .object({
    slug: DocSlug,
    title: z.string().trim().min(1).max(120),
    body: z.string().max(100_000),
    position: z.number().int().min(0).max(1000).optional(),
  })
  .strict()
  .meta({ id: "CreateDocPageRequest" });
export const UpdateDocPageRequest = CreateDocPageRequest.partial().strict().meta({ id: "UpdateDocPageRequest" });

export const RateApiRequest = z
  .object({ rating: z.number().int().min(1).max(5) })
  .strict()
  .meta({ id: "RateApiRequest" });
export const MyRating = RatingSummary.extend({
  mine: z.number().int().nullable().meta({ description: "the caller's own rating, null when none" }),
}).meta({ id: "MyRating" });

export const Comment = z
  .object({
    id: z.string(),
    apiId: z.string(),
    authorId: z.string().nullable(),
    author: z.string().meta({ description: "the author's name: the part of the email before @" }),
    body: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: "Comment" });
export type Comment = z.infer<typeof Comment>;
export const CreateCommentRequest = z
  .object({ body: z.string().trim().min(1).max(2000) })
  .strict()
  .meta({ id: "CreateCommentRequest" });
