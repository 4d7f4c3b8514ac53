/** The shape every goodput contender has. */

import type { ChatRequest } from '../workload';

/** A client set up against one emulator, ready to run the batch. */
export interface PreparedContender {
  /** Makes one chat call the contender's way (resolves with the completion, rejects when it gave up). */
  call(request: ChatRequest): Promise<unknown>;
  /** Releases timers and connections the contender holds. */
  close?(): Promise<void> | void;
}

/** One way of running the batch. */
export interface Contender {
  /** Row label. */
  readonly name: string;
  /** Creates the client(s) for an emulator at `baseURL` and warms them up (outside the measured batch). */
  prepare(baseURL: string): Promise<PreparedContender>;
}
