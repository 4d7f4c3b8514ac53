/**
 * The `onLowCapacity` option as a subscriber of the runtime's events.
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import type { Disposable } from '../events/disposable';
import type { ResilienceEvents } from '../events/hub';
import type { LowCapacityEvent } from '../events/types';
import { isThenable } from '../util/values';
import { errorName } from './error-name';

/**
 * Subscribes `callback` to `lowCapacity` events: a throw or a rejection is caught and logged (key, resource and
 * the error's name and message), never propagated to the call that observed the headers.
 * @param events - the runtime's events.
 * @param callback - the user's callback.
 * @param logger - where its failures are logged.
 */
export function subscribeCallback(events: ResilienceEvents, callback: (event: LowCapacityEvent) => unknown, logger: Logger): Disposable {
  const failed = (event: LowCapacityEvent, error: unknown): void => {
    logger.child({ key: event.key }).error({ resource: event.resource, error: errorName(error) }, 'onLowCapacity callback failed');
  };
  return events.onLowCapacity((event) => {
    try {
      const result = callback(event);
      if (isThenable(result)) result.then(undefined, (error: unknown) => failed(event, error));
    } catch (error) {
      failed(event, error);
    }
  });
}
