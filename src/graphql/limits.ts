import type {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLNamedType,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';
import { graphql } from './graphql-js.ts';

const { GraphQLError, getNamedType, getNullableType, isListType, isObjectType, Kind } = graphql;

/** Items a connection returns when `first` is not given, and at most (as in REST). */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** What a plain list field (an image's labels, a project's categories) is assumed to hold. */
const LIST_ESTIMATE = 20;

type Variables = Record<string, unknown> | undefined;

/** Refuses an operation that nests deeper than `maxDepth` (introspection fields do not count). */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const root = rootType(context, node.operation);
      if (!root) return;
      const { depth } = measure(context, node.selectionSet, root, 1, new Set(), undefined);
      if (depth > maxDepth)
        context.reportError(
          new GraphQLError(
            `operation ${node.name?.value ?? 'anonymous'} is ${depth} levels deep; the limit is ${maxDepth}`,
            {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
            },
          ),
        );
    },
  });
}

/**
 * Refuses an operation whose estimated cost is above `maxCost`, before anything runs. Every field
 * counts once per item it is resolved for (so `first: 50` images with 10 fields each cost about 500);
 * page sizes given as variables are read from `variables`, which is why this runs per request.
 */
export function costLimitRule(maxCost: number, variables: Variables) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const root = rootType(context, node.operation);
      if (!root) return;
      const { cost } = measure(context, node.selectionSet, root, 1, new Set(), variables);
      if (cost > maxCost)
        context.reportError(
          new GraphQLError(
            `operation ${node.name?.value ?? 'anonymous'} would cost about ${cost}; the limit is ${maxCost}: ` +
              'ask for fewer items per page (first) or fewer nested lists',
            { nodes: [node], extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost } },
          ),
        );
    },
  });
}

/**
 * Refuses a document with more than `maxAliases` aliased fields or `maxFields` field selections, each
 * fragment counted every time it is spread. Run before validation: the standard rules and the cost rule
 * walk every selection (some pairwise), so 10,000 aliases took seconds there even though the cost
 * allowed them. The walk stops at the first limit passed, so nested fragments cannot make it explode.
 */
export function selectionLimitErrors(
  document: DocumentNode,
  limits: { maxAliases: number; maxFields: number },
): InstanceType<typeof GraphQLError>[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = { aliases: 0, fields: 0 };
  const over = () => seen.aliases > limits.maxAliases || seen.fields > limits.maxFields;
  const walk = (set: SelectionSetNode | undefined, visiting: Set<string>): void => {
    // Mercurius also accepts a JSON AST as the query: never trust its shape.
    if (!Array.isArray(set?.selections)) return;
    for (const selection of set.selections) {
      if (over()) return;
      seen.fields++;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) seen.aliases++;
        walk(selection.selectionSet, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, visiting);
      else if (!visiting.has(selection.name?.value))
        walk(
          fragments.get(selection.name?.value)?.selectionSet,
          new Set([...visiting, selection.name.value]),
        );
    }
  };
  for (const d of document.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION) walk(d.selectionSet, new Set());
  if (seen.aliases > limits.maxAliases)
    return [
      new GraphQLError(
        `the document has more than ${limits.maxAliases} aliased fields; the limit is ${limits.maxAliases}`,
        { extensions: { code: 'TOO_MANY_ALIASES', maxAliases: limits.maxAliases } },
      ),
    ];
  if (seen.fields > limits.maxFields)
    return [
      new GraphQLError(
        `the document selects more than ${limits.maxFields} fields; the limit is ${limits.maxFields}`,
        { extensions: { code: 'TOO_MANY_FIELDS', maxFields: limits.maxFields } },
      ),
    ];
  return [];
}

function rootType(context: ValidationContext, operation: string): GraphQLNamedType | null | undefined {
  const schema = context.getSchema();
  if (operation === 'query') return schema.getQueryType();
  if (operation === 'mutation') return schema.getMutationType();
  return schema.getSubscriptionType();
}

/** Depth and cost of a selection set whose items are each resolved `multiplier` times. */
function measure(
  context: ValidationContext,
  set: SelectionSetNode,
  parent: GraphQLNamedType,
  multiplier: number,
  visiting: Set<string>,
  variables: Variables,
  pageSize = 1,
): { depth: number; cost: number } {
  let depth = 0;
  let cost = 0;
  for (const selection of set.selections) {
    let part = { depth: 0, cost: 0 };
    if (selection.kind === Kind.FIELD)
      part = measureField(context, selection, parent, multiplier, visiting, variables, pageSize);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? (context.getSchema().getType(selection.typeCondition.name.value) ?? parent)
        : parent;
      part = measure(context, selection.selectionSet, type, multiplier, visiting, variables, pageSize);
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // Cycles are reported by the standard rules; here they only must not loop.
      if (!fragment || visiting.has(name)) continue;
      const type = context.getSchema().getType(fragment.typeCondition.name.value) ?? parent;
      const inside = new Set([...visiting, name]);
      part = measure(context, fragment.selectionSet, type, multiplier, inside, variables, pageSize);
    }
    depth = Math.max(depth, part.depth);
    cost += part.cost;
  }
  return { depth, cost };
}

/**
 * A connection's `edges` hold `first` items (its page size); any other list is assumed to hold
 * LIST_ESTIMATE; a connection itself, and everything else, is one.
 */
function measureField(
  context: ValidationContext,
  field: FieldNode,
  parent: GraphQLNamedType,
  multiplier: number,
  visiting: Set<string>,
  variables: Variables,
  pageSize: number,
): { depth: number; cost: number } {
  if (field.name.value.startsWith('__')) return { depth: 0, cost: 0 };
  const def = isObjectType(parent) ? parent.getFields()[field.name.value] : undefined;
  if (!def || !field.selectionSet) return { depth: 1, cost: multiplier };
  const type = getNamedType(def.type);
  const connection = type.name.endsWith('Connection');
  const items =
    parent.name.endsWith('Connection') && field.name.value === 'edges'
      ? pageSize
      : !connection && isListType(getNullableType(def.type))
        ? LIST_ESTIMATE
        : 1;
  const inner = measure(
    context,
    field.selectionSet,
    type,
    multiplier * items,
    visiting,
    variables,
    connection ? firstOf(field, variables) : 1,
  );
  return { depth: inner.depth + 1, cost: multiplier + inner.cost };
}

function firstOf(field: FieldNode, variables: Variables): number {
  const first = field.arguments?.find((a) => a.name.value === 'first')?.value;
  let n: unknown = DEFAULT_PAGE;
  if (first?.kind === Kind.INT) n = Number(first.value);
  else if (first?.kind === Kind.VARIABLE) n = variables?.[first.name.value] ?? DEFAULT_PAGE;
  return typeof n === 'number' && Number.isFinite(n) ? Math.max(1, Math.min(n, MAX_PAGE)) : DEFAULT_PAGE;
}
