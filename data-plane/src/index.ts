export { type Gateway, type GatewayOptions, startGateway } from "./gateway.js";
