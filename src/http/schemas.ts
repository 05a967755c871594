import { type Static, type TSchema, type TSchemaOptions, type TUnsafe, Type } from 'typebox';
import { MAX_ID } from './ids.ts';

const components = new Map<string, TSchema>();

/**
 * One contract per shape: a schema created with `$id` (PascalCase), registered once with `addSchema`
 * (see app.ts), and emitted by @fastify/swagger as `components/schemas/<$id>`. Routes and other
 * components use it through `ref(...)` only: embedding the object itself would register its `$id` twice.
 */
export function component<T extends TSchema>(schema: T): T {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(id))
    throw new Error(`a schema component needs a PascalCase $id, got ${String(id)}`);
  if (components.has(id)) throw new Error(`schema component ${id} is defined twice`);
  components.set(id, schema);
  return schema;
}

/** A `$ref` to a component, typed as the component, so handlers keep their static types. */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string' || components.get(id) !== schema)
    throw new Error(`ref(...) takes a schema registered with component(...), got $id ${String(id)}`);
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

/**
 * Every component, for `app.addSchema`; the route modules define theirs when they are imported. Sorted
 * by name, so the document's order does not depend on which module was imported first.
 */
export const componentSchemas = (): TSchema[] =>
  [...components.keys()].sort().map((id) => components.get(id) as TSchema);

/**
 * A string enum as one schema, `{ type: 'string', enum: [...] }`, which generated clients read as an enum
 * type (a union of literals reaches them as an anyOf of one-value enums).
 */
export const StringEnum = <const V extends string[]>(values: readonly [...V], options: TSchemaOptions = {}) =>
  Type.Enum(values, { type: 'string', ...options });

/** Fastify serialises Date objects for this format; handlers may return either. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID, 'x-finite': true });

/**
 * A fixed number of numbers, e.g. a bbox. Written as an array with min/maxItems rather than a tuple:
 * a tuple's `items: [...]` means one thing to Ajv (draft-07) and another to OpenAPI 3.1 (JSON Schema
 * 2020-12), while this reads the same to both.
 */
export const numbers = <T extends [number, ...number[]]>(length: T['length'], description?: string) =>
  Type.Unsafe<T>(
    Type.Array(Type.Number(), { minItems: length, maxItems: length, ...(description && { description }) }),
  );
export const integers = <T extends [number, ...number[]]>(length: T['length'], description?: string) =>
  Type.Unsafe<T>(
    Type.Array(Type.Integer(), { minItems: length, maxItems: length, ...(description && { description }) }),
  );

export const ProblemSchema = component(
  Type.Object(
    {
      type: Type.String(),
      title: Type.String(),
      status: Type.Integer(),
      detail: Type.String(),
      instance: Type.String(),
      errors: Type.Optional(
        Type.Array(Type.Object({ name: Type.String(), detail: Type.String() }), {
          description: 'One entry per offending field, `name` being a field name or JSON path',
        }),
      ),
    },
    { $id: 'Problem', description: 'RFC 9457 problem details' },
  ),
);

const problemRef = ref(ProblemSchema);

/** Adds the problem+json responses every authenticated route can give. */
export function responses<T extends Record<number, TSchema>>(ok: T) {
  return {
    ...ok,
    400: problemRef,
    401: problemRef,
    403: problemRef,
    404: problemRef,
    409: problemRef,
    422: problemRef,
  };
}

/** The same, for routes that take uploads: also too large (413) and the wrong media type (415). */
export const uploadResponses = <T extends Record<number, TSchema>>(ok: T) =>
  responses({ ...ok, 413: problemRef, 415: problemRef });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, 'x-finite': true })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
};

/** A page of a listing, as the component `name` (e.g. RunPage). */
export const page = <T extends TSchema>(name: string, item: T) =>
  component(
    Type.Object(
      {
        data: Type.Array(item),
        nextCursor: Type.Union([Type.String(), Type.Null()], {
          description: 'Pass as `cursor` for the next page; null on the last page',
        }),
      },
      { $id: name, description: 'One page of a listing' },
    ),
  );

/** A complete (unpaginated) list, as the component `name` (e.g. WorkerList). */
export const list = <T extends TSchema>(name: string, item: T) =>
  component(Type.Object({ data: Type.Array(item) }, { $id: name }));

export const ProjectParams = Type.Object({ projectId: Id });

/** Why a pass, run or training job failed. */
export const JobErrorSchema = component(
  Type.Object(
    { code: Type.String(), message: Type.String() },
    { $id: 'JobError', description: 'Why it failed: a stable code and a message' },
  ),
);

/**
 * A response that is a file rather than JSON, e.g. `{ 200: file('The PNG', ['image/png']) }`, for the
 * document: Fastify sends the handler's stream, buffer or text as it is.
 */
export const file = (
  description: string,
  mediaTypes: string[],
  schema: Record<string, unknown> = { type: 'string', format: 'binary' },
) =>
  Type.Unsafe<unknown>({ description, content: Object.fromEntries(mediaTypes.map((t) => [t, { schema }])) });

/** A download answered with a redirect to a presigned URL of the blob store (VLM_LOOP_BLOB_DOWNLOADS=presigned). */
export const presignedRedirect = Type.Unsafe<unknown>({
  description: 'Found: the Location header is a presigned URL of the bytes, valid for a few minutes',
  type: 'null',
  headers: { location: { type: 'string', format: 'uri' } },
});

/** A COCO instances file, as the downloads stream it. */
export const COCO_FILE = {
  type: 'object',
  additionalProperties: true,
  description: 'COCO instances: info, images, annotations (masks as compressed RLE) and categories',
};
