/**
 * A worker fault as the banner shows it. Comlink keeps only the name,
 * message and stack of an Error thrown in the worker: that is all we use.
 */
export function asNamed(error: unknown): { name: string; message: string } {
  if (
    error instanceof Error ||
    (typeof error === 'object' && error !== null && 'message' in error)
  ) {
    const e = error as { name?: string; message: string };
    return {
      name: e.name && e.name !== 'Error' ? e.name : 'Error',
      message: e.message,
    };
  }
  return { name: 'Error', message: String(error) };
}
