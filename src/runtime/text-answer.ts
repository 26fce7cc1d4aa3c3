import type { Context } from 'hono';

const texts = new WeakMap<Response, string>();

/**
 * A JSON answer whose text is remembered with it, so that Body-Sign can sign the text instead of reading the
 * response back: reading a response makes @hono/node-server turn it into an undici Response and a stream (bench/).
 */
export function textAnswer(c: Context, text: string, status: number): Response {
  const response = c.body(text, status as 200, { 'content-type': 'application/json;charset=UTF-8' });
  texts.set(response, text);
  return response;
}

/** The text `textAnswer` made `response` with; undefined for any other response. */
export function answerTextOf(response: Response): string | undefined {
  return texts.get(response);
}
