/**
 * The floor kgkit is measured against: the same @hono/node-server and Hono, one POST route per workload that reads
 * the request body and answers the bytes kgkit answered for that workload (BARE_ANSWERS: a JSON file of
 * workload → answer). No signature, validation or storage.
 */
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const answers = JSON.parse(readFileSync(process.env.BARE_ANSWERS!, 'utf8')) as Record<string, string>;
const app = new Hono();
app.post('/bare/:workload', async (c) => {
  await c.req.arrayBuffer();
  const answer = answers[c.req.param('workload')];
  if (answer === undefined) return c.body('{"resultCode":"000002"}', 404);
  return c.body(answer, 200, { 'content-type': 'application/json;charset=UTF-8' });
});
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
