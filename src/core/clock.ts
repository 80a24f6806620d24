/** Milliseconds from a monotonic clock where there is one (performance.now()), else Date.now(). */
export const now = (): number => (globalThis.performance ? globalThis.performance.now() : Date.now());
