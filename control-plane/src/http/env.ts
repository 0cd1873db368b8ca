import type { Principal } from "../keys/console-tokens.js";
import type { Services } from "../services/context.js";

/** Typed context of every control-plane handler. */
export interface AppEnv {
  Variables: {
    services: Services;
    actor: Principal;
    requestId: string;
  };
}
