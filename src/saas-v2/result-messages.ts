/** The `resultMsg` kgkit sends with a result code when there is nothing more specific to say. */
const MESSAGES: Record<string, string> = {
  '000000': 'success',
  '000001': 'authentication failed',
  '000002': 'invalid request parameter',
  '000003': 'instance does not exist',
  '000004': 'request is being processed',
  '000005': 'internal error',
};

export function messageFor(code: string): string {
  return MESSAGES[code] ?? 'see resultCode';
}

/** The outcome's own message when the domain gave one, else the default for its code. */
export function messageOf(outcome: { code: string } | { code: string; message: string }): string {
  return 'message' in outcome ? outcome.message : messageFor(outcome.code);
}
