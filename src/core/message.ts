/** The message of anything thrown (an Error's message, else its string form), for wrapping it in a named error. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
