/**
 * When the worker runs a full garbage collection once it is idle (it needs `--expose-gc`,
 * WORKER_FLAGS). Work that leaves much garbage V8 may keep for a dozen requests or more:
 * loading a model, its first generation (the lazy builds of the vocabulary's pieces, the UTF-8
 * guard's tables, the form data) — 45–55 MB on a 135M model — and key/value caches let go (the
 * window moved on, or buffers grew): 12–24 MB each for a 135M model. Pure: the worker reports
 * what happened and the ArrayBuffer bytes it holds, and asks.
 */

/** ArrayBuffer growth that makes a collection due: one full cache of the model's context, within these bounds. */
export const BUFFER_GARBAGE_MIN = 2 * 2 ** 20;
export const BUFFER_GARBAGE_MAX = 8 * 2 ** 20;

export type CollectionReason = 'loading and the first request' | 'key/value buffers let go';

export class IdleCollection {
  /** Collections still due since the load: after it, then after its first generation. */
  private due = 0;
  private generated = false;
  private threshold = BUFFER_GARBAGE_MAX;
  private buffersAfterLast = 0;

  /** A model was loaded; `cacheBytes`: its full key/value cache at one row. */
  loaded(cacheBytes: number): void {
    this.due = 2;
    this.generated = false;
    this.threshold = Math.min(BUFFER_GARBAGE_MAX, Math.max(BUFFER_GARBAGE_MIN, cacheBytes));
  }

  /** A generation started (the last collection after a load waits for one: a job that generates nothing builds little). */
  generating(): void {
    this.generated = true;
  }

  /**
   * Why a collection is due now that the worker is idle holding `arrayBuffers` bytes, or null. The
   * growth counted is net: live buffers that grew count as much as dead ones.
   */
  reason(arrayBuffers: number): CollectionReason | null {
    if (this.due > 1 || (this.due === 1 && this.generated)) return 'loading and the first request';
    return arrayBuffers - this.buffersAfterLast > this.threshold ? 'key/value buffers let go' : null;
  }

  /** A model was let go without another in its place (a load that failed after the old one went): one collection due. */
  released(): void {
    this.due = Math.max(this.due, 1);
    this.generated = true;
  }

  /** A collection ran, for `reason`, and left `arrayBuffers` bytes. */
  collected(reason: CollectionReason, arrayBuffers: number): void {
    // A generation that ran before the load's collection could is covered by this one.
    if (reason === 'loading and the first request') this.due = this.generated ? 0 : this.due - 1;
    this.buffersAfterLast = arrayBuffers;
  }
}
