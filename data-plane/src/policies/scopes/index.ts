import { definePolicy, Phase } from "../types.js";
import { createScopesHandler } from "./handler.js";

export const scopes = definePolicy({ kind: "scopes", order: Phase.authorise + 10, create: createScopesHandler });
