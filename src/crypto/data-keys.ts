import { openSealed, seal, sealingKey } from './sealed.js';

/** The data key settings as the configuration parses them (KGKIT_DATA_KEY, KGKIT_DATA_KEY_PREVIOUS). */
export interface DataKeySettings {
  /** KGKIT_DATA_KEY, or `derived:<basic access key>` when it is unset. */
  dataKey: string;
  /** Keys values may still be sealed under, until the start-up step re-sealed them (README "Rotating the data key"). */
  previousDataKeys?: readonly string[];
}

/** No key opens a stored secret: the data key changed and the one it was sealed with is not among the previous keys. */
export class SealedSecretError extends Error {
  constructor(what: string) {
    super(
      `${what} cannot be opened: it was sealed under neither the data key (KGKIT_DATA_KEY, or when unset the basic access key ` +
        'KOOGALLERY_ACCESS_KEY it derives from) nor a key of KGKIT_DATA_KEY_PREVIOUS, or it was altered. ' +
        'Add the key it was sealed with to KGKIT_DATA_KEY_PREVIOUS (README "Rotating the data key")',
    );
    this.name = 'SealedSecretError';
  }
}

/**
 * Seals under the current data key; opens under the current key, then each previous one. Sealed values name no key,
 * so opening one sealed under a previous key costs a failed tag check per key tried before it.
 */
export class DataKeys {
  private readonly current: Buffer;
  private readonly previous: Buffer[];

  constructor({ dataKey, previousDataKeys = [] }: DataKeySettings) {
    this.current = sealingKey(dataKey);
    this.previous = previousDataKeys.map(sealingKey);
  }

  seal(plaintext: string): string {
    return seal(this.current, plaintext);
  }

  /** The plaintext of `value`; `what` names the value in the error (a column and row, never the value itself). */
  open(value: string, what: string): string {
    const opened = this.unseal(value);
    if (opened === undefined) throw new SealedSecretError(what);
    return opened.plaintext;
  }

  /** The plaintext and whether the current key sealed it (else a previous one did); undefined when no key opens it. */
  unseal(value: string): { plaintext: string; current: boolean } | undefined {
    for (const [index, key] of [this.current, ...this.previous].entries()) {
      try {
        return { plaintext: openSealed(key, value), current: index === 0 };
      } catch {
        // Not this key (or not a sealed value at all): try the next.
      }
    }
    return undefined;
  }
}
