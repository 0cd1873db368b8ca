export type { Bus, ConsumeOptions, KvEntry, KvWatchOptions, Stoppable, StreamMessage } from "./interface.js";
export { subjectMatches } from "./interface.js";
export { MemoryBus } from "./memory.js";
