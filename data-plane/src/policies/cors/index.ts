import { definePolicy, Phase } from "../types.js";
import { createCorsHandler } from "./handler.js";

/** First of all: a preflight is answered before any credential is asked for. */
export const cors = definePolicy({ kind: "cors", order: Phase.route + 10, create: createCorsHandler });
