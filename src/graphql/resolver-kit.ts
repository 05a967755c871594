import { AppError } from '../errors/problem.ts';
import type { GqlContext } from './context.ts';

// biome-ignore lint/suspicious/noExplicitAny: arguments arrive validated against the SDL (schema/schema.graphql)
export type Args = Record<string, any>;
export type Resolver<P = unknown> = (parent: P, args: Args, c: GqlContext) => unknown;
export type Paging = { first?: number | null; after?: string | null };

/** What one domain adds to the GraphQL schema: fields of Query, Mutation and its types, by type name. */
export type DomainResolvers = Record<string, Record<string, Resolver<never>>>;

/** Null for what does not exist (GraphQL style); every other error, forbidden included, stays an error. */
export async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof AppError && err.kind === 'not-found') return null;
    throw err;
  }
}

export const definedOnly = <T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], null> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as never;

/** The fields the caller gave, null included: null clears a nullable field, as in REST. */
export const given = (input: Args, ...keys: string[]): Args =>
  Object.fromEntries(keys.filter((k) => Object.hasOwn(input, k)).map((k) => [k, input[k]]));

/** The domains' resolvers as one map: each type's fields gathered; a field given twice is a bug. */
export function mergeResolvers(...parts: DomainResolvers[]): DomainResolvers {
  const merged: DomainResolvers = {};
  for (const part of parts)
    for (const [type, fields] of Object.entries(part)) {
      merged[type] ??= {};
      for (const [field, resolver] of Object.entries(fields)) {
        if (Object.hasOwn(merged[type], field))
          throw new Error(`GraphQL field ${type}.${field} resolved twice`);
        merged[type][field] = resolver;
      }
    }
  return merged;
}
