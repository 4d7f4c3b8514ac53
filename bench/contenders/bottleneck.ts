/**
 * Bottleneck configured for the requests-per-minute limit the way its README suggests (a reservoir refreshed
 * every minute, plus `minTime` to stagger jobs), in front of the openai SDK with `maxRetries: 5`. It knows
 * nothing about tokens.
 */

import Bottleneck from 'bottleneck';
import OpenAI from 'openai';
import { WARM_UP_MODEL, type Quota } from '../workload';
import type { Contender } from './types';

/** Bottleneck options for an RPM limit (shared by the in-process and the Redis-clustered variants). */
export function bottleneckRpmOptions(quota: Quota): Bottleneck.ConstructorOptions {
  return {
    reservoir: quota.requestsPerMinute,
    reservoirRefreshAmount: quota.requestsPerMinute,
    reservoirRefreshInterval: 60_000,
    minTime: Math.floor(60_000 / quota.requestsPerMinute),
  };
}

/** The contender. */
export function bottleneckContender(quota: Quota): Contender {
  return {
    name: 'Bottleneck (RPM) + SDK retries (5)',
    async prepare(baseURL) {
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 5 });
      await client.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
      const limiter = new Bottleneck(bottleneckRpmOptions(quota));
      return {
        call: (req) => limiter.schedule(() => client.chat.completions.create(req)),
        close: () => limiter.disconnect(),
      };
    },
  };
}
