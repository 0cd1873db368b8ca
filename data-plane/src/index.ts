export { type RemoteJwksOptions, remoteJwks } from "./auth/remote-jwks.js";
export { type Gateway, type GatewayOptions, startGateway } from "./gateway.js";
export { GATEWAY_NODE_FLAGS } from "./node-flags.js";
