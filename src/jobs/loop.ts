/**
 * Calls `tick` at once, then `intervalMs` after each tick ends: ticks never overlap, and one that throws is handed to
 * `onError` and the next comes as usual. Answers the function that stops it: no tick starts after it is called, and it
 * resolves once the tick in progress is over.
 */
export function repeatEvery(intervalMs: number, tick: () => Promise<unknown>, onError: (error: unknown) => void): () => Promise<void> {
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new Error('intervalMs must be a positive integer');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .then(() => undefined, onError)
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, delay);
    timer.unref();
  };
  schedule(0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
