import { definePolicy, Phase } from "../types.js";
import { createIpFilterHandler } from "./handler.js";

/** Before authentication: a refused address costs no token verification. */
export const ipFilter = definePolicy({ kind: "ip-filter", order: Phase.route + 20, create: createIpFilterHandler });
