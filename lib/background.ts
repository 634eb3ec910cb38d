import { log } from "./log";

/** Loops that run inside the web server (the outbox sender; the reflection worker in embedded mode). */
export function startBackgroundLoops(): void {
  log.debug("background loops: none yet");
}
