import type { DocumentNode, GraphQLError } from 'graphql';

/** Variables longer than this as JSON are checked every time rather than kept as a key. */
const MAX_KEY_CHARS = 1024;
/** Distinct variable sets remembered per document. */
const MAX_PER_DOCUMENT = 64;

/**
 * The cost check's result per parsed document and variables. Mercurius hands the same DocumentNode for
 * the same query text (its LRU cache), and the cost depends only on the document and its variables, so
 * a repeated query (a dashboard polling one view) skips re-walking the document each time.
 */
export class CostCheckCache {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>();

  check(
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    run: () => readonly GraphQLError[],
  ): readonly GraphQLError[] {
    const key = JSON.stringify(variables ?? {});
    if (key.length > MAX_KEY_CHARS) return run();
    const results = this.byDocument.get(document) ?? new Map<string, readonly GraphQLError[]>();
    const cached = results.get(key);
    if (cached) return cached;
    const errors = run();
    this.byDocument.set(document, results);
    if (results.size >= MAX_PER_DOCUMENT) results.clear();
    results.set(key, errors);
    return errors;
  }
}
