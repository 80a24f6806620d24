/**
 * For queues and races: a promise that fulfils once `p` settles, either way. It hides nothing:
 * `p` itself still rejects for whoever awaits it; only the chain that merely waits for its turn
 * does not break on it.
 */
export function settled(p: Promise<unknown>): Promise<void> {
  return p.then(
    () => undefined,
    () => undefined,
  );
}
