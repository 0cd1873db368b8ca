export { type ControlPlane, type ControlPlaneOptions, startControlPlane } from "./control-plane.js";
