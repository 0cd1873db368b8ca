import { z } from "zod";
import { policyBase } from "../base.js";

/** A JSON Schema (2020-12) object, as the control plane extracted it from the API's OpenAPI document. */
export const JsonSchemaObject = z.record(z.string(), z.unknown());

/**
 * What one operation of the API's OpenAPI document says about requests, reduced to what the
 * gateway checks: its parameters and its JSON body. The control plane writes it into the
 * bundle (OpenAPI 3.0 schemas translated to JSON Schema 2020-12, local `$ref`s pointing into
 * `definitions` as `#/$defs/<name>`) for the resources a request-validation policy applies to.
 */
export const RequestSchema = z.object({
  parameters: z
    .array(
      z.object({
        /** header names in lower case, as node reports them */
        name: z.string().min(1).max(200),
        in: z.enum(["path", "query", "header"]),
        required: z.boolean().default(false),
        schema: JsonSchemaObject.optional(),
      }),
    )
    .max(200)
    .default([]),
  /** Absent: the operation declares no JSON body, and any body passes unchecked. */
  body: z
    .object({
      required: z.boolean().default(false),
      /** Only JSON is declared: any other content type is refused with 415. */
      jsonOnly: z.boolean().default(true),
      schema: JsonSchemaObject.optional(),
    })
    .optional(),
  /** `#/components/schemas/<name>` of the document, the ones the schemas above reach. */
  definitions: z.record(z.string(), JsonSchemaObject).default({}),
});
export type RequestSchema = z.infer<typeof RequestSchema>;

export const RequestValidationConfig = z.object({
  parameters: z
    .boolean()
    .default(true)
    .meta({ description: "Check path, query and header parameters against the operation's definition." }),
  body: z.boolean().default(true).meta({ description: "Check a JSON body against the operation's schema." }),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(1024 * 1024)
    .meta({ description: "Largest body read for checking, in bytes; 413 beyond." }),
});

/**
 * Requests that do not match the API's OpenAPI definition are answered 400 (each error with a
 * JSON pointer and a message) and never reach the upstream. Needs an API imported from OpenAPI.
 */
export const RequestValidationPolicy = z.object({
  kind: z.literal("request-validation"),
  ...policyBase,
  config: RequestValidationConfig,
});
