import { Type } from 'typebox';
import { component, DateTime, Id, ref } from '../../http/schemas.ts';

/** A project and its categories, as the API shows and takes them. */
export const CategorySchema = component(
  Type.Object(
    {
      id: Id,
      name: Type.String(),
      supercategory: Type.Union([Type.String(), Type.Null()]),
      color: Type.Union([Type.String(), Type.Null()]),
    },
    { $id: 'Category' },
  ),
);

/** A category as created; `Type.Partial(CategoryInput)` (which drops the `$id`) is its change. */
export const CategoryInput = component(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      supercategory: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
      color: Type.Optional(Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }), Type.Null()])),
    },
    { $id: 'CategoryInput', additionalProperties: false },
  ),
);

export const ProjectSchema = component(
  Type.Object(
    {
      id: Id,
      name: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      categories: Type.Array(ref(CategorySchema)),
      createdAt: DateTime,
      updatedAt: DateTime,
    },
    { $id: 'Project' },
  ),
);
