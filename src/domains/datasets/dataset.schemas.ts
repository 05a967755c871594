import { Type } from 'typebox';
import { component, DateTime, Id, integers, numbers, ref, StringEnum } from '../../http/schemas.ts';

/** Images, labels and their masks, as the API shows and takes them. */
export const SplitSchema = StringEnum(['train', 'val', 'test']);
export const PoolStateSchema = StringEnum(['labeled', 'unlabeled']);
export const LABEL_SOURCES = ['import', 'human', 'approved_prediction'] as const;
export const LabelSourceSchema = StringEnum(LABEL_SOURCES);

export const ImageSchema = component(
  Type.Object(
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
  ),
);

export const RleSchema = component(
  Type.Object(
    {
      size: integers<[number, number]>(2, '[height, width]'),
      counts: Type.String({ description: 'COCO compressed RLE' }),
    },
    { $id: 'Rle', description: 'A mask as COCO run-length encoding' },
  ),
);

export const BboxSchema = numbers<[number, number, number, number]>(4, '[x, y, width, height]');

export const LabelSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      imageId: Id,
      categoryId: Id,
      segmentation: ref(RleSchema),
      bbox: BboxSchema,
      area: Type.Number(),
      iscrowd: Type.Boolean(),
      height: Type.Integer(),
      width: Type.Integer(),
      source: LabelSourceSchema,
      provenance: Type.Record(Type.String(), Type.Unknown()),
      createdAt: DateTime,
    },
    { $id: 'Label' },
  ),
);
