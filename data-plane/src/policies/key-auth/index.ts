import { definePolicy, Phase } from "../types.js";
import { createKeyAuthHandler } from "./handler.js";

export const keyAuth = definePolicy({ kind: "key-auth", order: Phase.authenticate, create: createKeyAuthHandler });
