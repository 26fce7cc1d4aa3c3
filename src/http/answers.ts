/** The `resultMsg` kgkit sends with a result code when there is nothing more specific to say. */
const MESSAGES: Record<string, string> = {
  '000000': 'success',
  '000001': 'authentication failed',
  '000002': 'invalid request parameter',
  '000003': 'instance does not exist',
  '000004': 'request is being processed',
  '000005': 'internal error',
};

export function messageFor(code: string, messages: Record<string, string> = MESSAGES): string {
  return messages[code] ?? MESSAGES[code] ?? 'see resultCode';
}

/** The outcome's own message when the domain gave one, else the default for its code. */
function messageOf(outcome: { code: string } | { code: string; message: string }, messages?: Record<string, string>): string {
  return 'message' in outcome ? outcome.message : messageFor(outcome.code, messages);
}

/** A domain outcome as the `{resultCode, resultMsg}` every production interface answers with. */
export function answerOf<C extends string>(
  outcome: { code: C } | { code: C; message: string },
  messages?: Record<string, string>,
): { resultCode: C; resultMsg: string } {
  return { resultCode: outcome.code, resultMsg: messageOf(outcome, messages) };
}

/** A debug call from the seller console or its probing (docs/decisions.md#7: "1", or 1 in the Kit bodies). */
export function isTest(request: { testFlag?: string | number }): boolean {
  return String(request.testFlag) === '1';
}
