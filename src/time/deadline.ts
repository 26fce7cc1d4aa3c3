/**
 * Runs work that takes an AbortSignal, and stops waiting for it after `ms` whatever the work does: the signal is
 * aborted then, but the answer never depends on the work honouring it. On Node 20, fetch can lose the abort of a
 * composed or Request-following signal once it is garbage-collected, and then waits for the server regardless (seen
 * with the marketplace transport, test/integration/usage-push.test.ts).
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<{ done: true; value: T } | { done: false }> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    const running = work(controller.signal).then((value) => ({ done: true as const, value }));
    running.catch(() => {}); // settles after the deadline: nobody waits for it any more
    const first = await Promise.race([running, expired]);
    if (!first.done) controller.abort(new Error(`no answer within ${ms} ms`));
    return first;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
