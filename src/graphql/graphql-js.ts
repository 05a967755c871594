import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

/**
 * graphql-js as Mercurius loads it (CommonJS). An ESM `import from 'graphql'` may load the package's
 * .mjs build as a second copy (Vite-based runners do), whose classes fail graphql's realm checks against
 * Mercurius's schema; taking the same copy everywhere avoids that.
 */
export const graphql = createRequire(import.meta.url)('graphql') as typeof GraphQL;
