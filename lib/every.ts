import { log } from "./log";

/**
 * Repeats `task` every `ms` (never overlapping itself); errors are logged and the loop goes on.
 * Returns stop(), which resolves once the running task (if any) has finished; a long task asks
 * `loop.stopping()` between its steps and ends early.
 */
export function every(ms: number, name: string, task: (loop: { stopping: () => boolean }) => Promise<unknown>): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  const tick = async () => {
    running = (async () => {
      try {
        await task({ stopping: () => stopped });
      } catch (error) {
        log.error({ err: error, loop: name }, "background task failed");
      }
    })();
    await running;
    running = null;
    if (!stopped) timer = setTimeout(tick, ms).unref();
  };
  timer = setTimeout(tick, 0).unref();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (running) await running;
  };
}
