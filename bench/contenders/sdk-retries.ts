/** The openai SDK on its own: `maxRetries: 5`, its backoff honouring `retry-after-ms`. No limiter. */

import OpenAI from 'openai';
import { WARM_UP_MODEL } from '../workload';
import type { Contender } from './types';

/** The contender. */
export function sdkRetries(maxRetries = 5): Contender {
  return {
    name: `openai SDK retries (maxRetries ${maxRetries})`,
    async prepare(baseURL) {
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries });
      await client.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
      return { call: (req) => client.chat.completions.create(req) };
    },
  };
}
