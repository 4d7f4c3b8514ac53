/**
 * llm-resilience: decorators that store rate-limit, token-budget and retry policies on service methods, and
 * the interceptor runtime (resolved from a tsyringe container) that applies them on every call.
 * @packageDocumentation
 */

import 'reflect-metadata';

export * from './decorators';
export * from './src';
