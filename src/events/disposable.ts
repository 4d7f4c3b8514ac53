/**
 * What every `onX` subscription returns.
 * @packageDocumentation
 */

/** A subscription (or any resource) that can be released. */
export interface Disposable {
  /** Releases it; calling again does nothing. */
  dispose(): void;
}
