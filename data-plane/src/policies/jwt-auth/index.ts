import { definePolicy, Phase } from "../types.js";
import { createJwtAuthHandler } from "./handler.js";

export const jwtAuth = definePolicy({ kind: "jwt-auth", order: Phase.authenticate + 10, create: createJwtAuthHandler });
