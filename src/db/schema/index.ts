/**
 * The drizzle schema, one file per domain's tables; migrations in `migrations/` are written from it.
 */

export * from './auth.ts';
export * from './datasets.ts';
export * from './evaluations.ts';
export * from './events.ts';
export * from './integrations.ts';
export * from './passes.ts';
export * from './runs.ts';
export * from './training.ts';
