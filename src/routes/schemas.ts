import { type TSchema, Type } from 'typebox';
import { MAX_ID } from '../http/ids.ts';

/** Fastify serialises Date objects for this format; handlers may return either. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID, 'x-finite': true });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ name: Type.String(), detail: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

const problemRef = Type.Unsafe<unknown>(Type.Ref('Problem'));

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

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, 'x-finite': true })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
};

export const page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ProjectParams = Type.Object({ projectId: Id });

export const CategorySchema = Type.Object(
  {
    id: Id,
    name: Type.String(),
    supercategory: Type.Union([Type.String(), Type.Null()]),
    color: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Category' },
);

export const CategoryInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    supercategory: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    color: Type.Optional(Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const ProjectSchema = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    categories: Type.Array(Type.Unsafe(Type.Ref('Category'))),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Project' },
);

export const SplitSchema = Type.Union([Type.Literal('train'), Type.Literal('val'), Type.Literal('test')]);
export const PoolStateSchema = Type.Union([Type.Literal('labeled'), Type.Literal('unlabeled')]);
export const LabelSourceSchema = Type.Union([
  Type.Literal('import'),
  Type.Literal('human'),
  Type.Literal('approved_prediction'),
]);

export const ImageSchema = Type.Object(
  {
    id: Id,
    projectId: Id,
    sha256: Type.String(),
    fileName: Type.String(),
    mimeType: Type.String(),
    bytes: Type.Integer(),
    width: Type.Integer({ description: 'after EXIF orientation' }),
    height: Type.Integer({ description: 'after EXIF orientation' }),
    split: SplitSchema,
    poolState: PoolStateSchema,
    labelSourceOfRecord: Type.Optional(
      Type.Union([LabelSourceSchema, Type.Null()], {
        description: 'Which of its labels a labelled image trains on (null: all of them)',
      }),
    ),
    createdAt: DateTime,
  },
  { $id: 'Image' },
);

export const RleSchema = Type.Object({
  size: Type.Tuple([Type.Integer(), Type.Integer()], { description: '[height, width]' }),
  counts: Type.String({ description: 'COCO compressed RLE' }),
});

export const LabelSchema = Type.Object(
  {
    id: Id,
    projectId: Id,
    imageId: Id,
    categoryId: Id,
    segmentation: RleSchema,
    bbox: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
      description: '[x, y, width, height]',
    }),
    area: Type.Number(),
    iscrowd: Type.Boolean(),
    height: Type.Integer(),
    width: Type.Integer(),
    source: LabelSourceSchema,
    provenance: Type.Record(Type.String(), Type.Unknown()),
    createdAt: DateTime,
  },
  { $id: 'Label' },
);

export const sharedSchemas = [ProblemSchema, CategorySchema, ProjectSchema, ImageSchema, LabelSchema];
export const ref = <T>(id: string) => Type.Unsafe<T>(Type.Ref(id));
