import { definePolicy, Phase } from "../types.js";
import { createRequestValidationHandler } from "./handler.js";

/** After authorisation and rate limits: an anonymous caller learns nothing about the schema. */
export const requestValidation = definePolicy({
  kind: "request-validation",
  order: Phase.transform + 40,
  create: createRequestValidationHandler,
});
