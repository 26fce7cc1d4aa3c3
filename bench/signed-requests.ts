import { randomBytes } from 'node:crypto';
import { basicSignature, canonicalPayload } from '../src/crypto/basic-signature.js';
import { ACCESS_KEY } from './servers.js';

/** One call as the marketplace sends it: the signed query string and the exact body bytes. */
export interface SignedCall {
  query: string;
  body: string;
}

/**
 * Signs calls the way the marketplace does (key-sorted payload, double HMAC, fresh nonce, timestamp now), all before
 * the run starts, so the load generator only copies bytes: signing would otherwise take CPU from the server on a
 * small machine. Every call has its own nonce, so none is a replay; a pool is good for the 60 s signature window.
 */
export class SignedPool {
  private readonly calls: (SignedCall | undefined)[];
  private next = 0;
  /** Calls signed during the run because the pool ran dry (should stay 0: the pool is sized for the run). */
  signedLate = 0;

  constructor(
    private readonly bodyOf: () => object,
    size: number,
  ) {
    this.calls = Array.from({ length: size }, () => sign(bodyOf()));
  }

  /** Calls signed and not yet taken. */
  get size(): number {
    return this.calls.length - this.next;
  }

  take(): SignedCall {
    const call = this.calls[this.next];
    if (call !== undefined) {
      this.calls[this.next++] = undefined; // let the sent ones go
      return call;
    }
    this.signedLate += 1;
    return sign(this.bodyOf());
  }
}

const run = randomBytes(4).toString('hex').toUpperCase();
let nonces = 0;

/** One call signed now, with a nonce never used before. */
export function sign(body: object): SignedCall {
  const text = JSON.stringify(body);
  const timestamp = String(Date.now());
  const nonce = `BENCH${run}${(nonces++).toString(36).toUpperCase()}`;
  const signature = basicSignature(ACCESS_KEY, nonce, timestamp, canonicalPayload(body as Record<string, unknown>));
  return { query: `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, body: text };
}

let orders = 0;
/** A new order every call: newInstance is never a resend. */
export function newOrderBody(): object {
  const id = `CSBENCH${run}${(orders++).toString(36).toUpperCase().padStart(7, '0')}`;
  return { activity: 'newInstance', businessId: `bench-${id.toLowerCase()}`, orderId: id, orderLineId: `${id}-000001` };
}

export function queryBody(instanceIds: readonly string[]): object {
  return { activity: 'queryInstance', instanceId: instanceIds.join(',') };
}
