/**
 * The GraphQL SDL stays the written contract for GraphQL; where its types mirror REST components, they must
 * agree. Every property of the mirrored REST component is a GraphQL field (or a difference named below, with
 * its reason), and enums carry the same values, so a field added to one contract and not the other fails here.
 */
import fs from 'node:fs';
import {
  buildSchema,
  GraphQLEnumType,
  type GraphQLNamedType,
  GraphQLObjectType,
  getNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';

const sdl = buildSchema(fs.readFileSync('schema/schema.graphql', 'utf8'));
const components: Record<string, Schema> = JSON.parse(fs.readFileSync('openapi/openapi.json', 'utf8'))
  .components.schemas;

interface Schema {
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  $ref?: string;
  enum?: string[];
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/** GraphQL type -> REST component, and REST properties GraphQL shows otherwise (with why). */
const MIRRORS: { graphql: string; rest: string; restOnly?: Record<string, string> }[] = [
  { graphql: 'Run', rest: 'Run' },
  { graphql: 'RunIteration', rest: 'RunIteration' },
  {
    graphql: 'Pass',
    rest: 'Pass',
    restOnly: { retry: 'a request setting; GraphQL shows the pass, not how it retries' },
  },
  {
    graphql: 'PassImage',
    rest: 'PassImage',
    restOnly: {
      attempt: 'the worker fencing token: an implementation detail REST exposes for debugging',
      instances: 'GraphQL links `predictions` instead',
    },
  },
  {
    graphql: 'Prediction',
    rest: 'Prediction',
    restOnly: { categoryId: 'GraphQL links `category`', categoryName: 'GraphQL links `category`' },
  },
  {
    graphql: 'Image',
    rest: 'Image',
    restOnly: { labelSourceOfRecord: 'GraphQL filters labels by source instead' },
  },
  {
    graphql: 'Label',
    rest: 'Label',
    restOnly: {
      categoryId: 'GraphQL links `category`',
      height: 'in `segmentation.size`',
      width: 'in `segmentation.size`',
    },
  },
  { graphql: 'ModelVersion', rest: 'ModelVersionSummary' },
  { graphql: 'TrainingJob', rest: 'TrainingJob' },
  { graphql: 'Project', rest: 'Project' },
  { graphql: 'Category', rest: 'Category' },
  { graphql: 'RunCostSummary', rest: 'CostSummary' },
  { graphql: 'RunCost', rest: 'RunCost' },
  { graphql: 'Rle', rest: 'Rle' },
];

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

/** A component's properties, through allOf and $ref. */
function propertiesOf(schema: Schema): Record<string, Schema> {
  if (schema.$ref) return propertiesOf(components[refName(schema.$ref)]);
  const own = schema.properties ?? {};
  return Object.assign({}, ...(schema.allOf ?? []).map(propertiesOf), own);
}

/** The enum values of a property, through a nullable union. */
function enumOf(schema: Schema): string[] | undefined {
  if (schema.enum) return schema.enum;
  for (const part of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const values = enumOf(part.$ref ? components[refName(part.$ref)] : part);
    if (values) return values;
  }
  return undefined;
}

const object = (name: string) => {
  const t: GraphQLNamedType | undefined | null = sdl.getType(name);
  expect(t, `GraphQL type ${name}`).toBeInstanceOf(GraphQLObjectType);
  return t as GraphQLObjectType;
};

describe('GraphQL types that mirror REST components', () => {
  it.each(MIRRORS)('$graphql has every property of REST $rest', ({ graphql, rest, restOnly = {} }) => {
    expect(components[rest], `REST component ${rest}`).toBeDefined();
    const fields = Object.keys(object(graphql).getFields());
    const missing = Object.keys(propertiesOf(components[rest])).filter(
      (p) => !fields.includes(p) && !(p in restOnly),
    );
    expect(
      missing,
      `add them to type ${graphql} in schema/schema.graphql, or name the difference here`,
    ).toEqual([]);
    // A named difference that no longer exists is stale: it would hide a field added later.
    const stale = Object.keys(restOnly).filter(
      (p) => fields.includes(p) || !(p in propertiesOf(components[rest])),
    );
    expect(stale).toEqual([]);
  });

  it.each(MIRRORS)('$graphql enums carry the values of REST $rest', ({ graphql, rest }) => {
    const props = propertiesOf(components[rest]);
    let compared = 0;
    for (const [name, field] of Object.entries(object(graphql).getFields())) {
      const type = getNamedType(field.type);
      if (!(type instanceof GraphQLEnumType) || !props[name]) continue;
      const values = enumOf(props[name]);
      if (!values) continue;
      expect(
        type
          .getValues()
          .map((v) => v.value)
          .sort(),
        `${graphql}.${name}`,
      ).toEqual([...values].filter((v) => v !== null).sort());
      compared++;
    }
    if (['Run', 'RunIteration', 'Pass', 'TrainingJob'].includes(graphql)) expect(compared).toBeGreaterThan(0);
  });
});
