import { Type } from 'typebox';
import { component, DateTime, Id, JobErrorSchema, ref, StringEnum } from '../../http/schemas.ts';
import { JudgeConfigSchema, PassAcceptanceSchema } from '../passes/pass.schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const NonNegative = (description?: string) =>
  Type.Number({ minimum: 0, ...(description && { description }) });
const Count = Type.Integer({ minimum: 0 });
const Json = Type.Record(Type.String(), Type.Unknown());

const Preset = StringEnum(['tiny', 'small', 'resnet50-fpn'], {
  description: 'tiny: tests only; small: CPU from scratch; resnet50-fpn: torchvision Mask R-CNN (GPU)',
});

const InitialLabels = Type.Union(
  [
    Type.Object(
      {
        fraction: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1,
          description:
            'Share of the train images with ground truth labelled with it; the rest become the pool ' +
            '(1: all of them, only with iterations 0)',
        }),
        seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Which images (1)' })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { existing: Type.Literal(true, { description: 'Start from what is labelled now' }) },
      { additionalProperties: false },
    ),
  ],
  {
    description: 'The initial labelled set, charged as human annotation. Default: { fraction: 0.2, seed: 1 }',
  },
);

const Training = Type.Object(
  {
    preset: Type.Optional(Preset),
    hyper: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Passed to every training job (see schema/train-job-spec.schema.json, `hyper`)',
      }),
    ),
    warmStart: Type.Optional(
      StringEnum(['previous', 'scratch'], {
        description: "previous: from the last iteration's model version (default); scratch: every time anew",
      }),
    ),
    init: Type.Optional(
      StringEnum(['scratch', 'base'], {
        description:
          "Where a model not warm-started from the previous iteration starts (iteration 0, and every iteration with warmStart scratch): scratch (default) or base, the preset's pretrained base model with its class heads replaced",
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const Stop = Type.Object(
  {
    minApprovals: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Stop when a pass approves fewer images than this (1)' }),
    ),
    plateau: Type.Optional(
      Nullable(
        Type.Object(
          {
            patience: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
            minDelta: Type.Optional(NonNegative()),
          },
          {
            additionalProperties: false,
            description: 'Stop when mask AP has not risen by minDelta over `patience` iterations',
          },
        ),
      ),
    ),
    budgetHours: Type.Optional(
      Nullable(NonNegative('Stop before a pass once the human hours spent reach this')),
    ),
  },
  { additionalProperties: false },
);

const CostSettings = Type.Object(
  {
    annotationSecondsPerImage: Type.Optional(NonNegative()),
    annotationSecondsPerInstance: Type.Optional(NonNegative()),
    reviewSecondsPerImage: Type.Optional(NonNegative()),
    reviewSecondsPerFlaggedInstance: Type.Optional(
      NonNegative("Marking one wrong mask of an image accepted in part ('instance' acceptance; 2)"),
    ),
    vlmUsdPerMillionInputTokens: Type.Optional(NonNegative()),
    vlmUsdPerMillionOutputTokens: Type.Optional(NonNegative()),
    humanUsdPerHour: Type.Optional(NonNegative()),
    computeUsdPerHour: Type.Optional(
      Type.Object(
        { cpu: Type.Optional(NonNegative()), gpu: Type.Optional(NonNegative()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CreateRunBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    initialLabels: Type.Optional(InitialLabels),
    initialModel: Type.Optional(
      Type.Object(
        { modelVersionId: Id },
        {
          additionalProperties: false,
          description:
            'Iteration 0 uses this model version instead of training one: a version of the project trained ' +
            "from scratch with this run's training settings on exactly the initial set `initialLabels` " +
            'chooses (else 422). Charged as the original training (ledger detail reusedFromTrainingJobId)',
        },
      ),
    ),
    iterations: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 50, description: 'Loop iterations after iteration 0 (3)' }),
    ),
    judge: Type.Optional(ref(JudgeConfigSchema)),
    scoreThreshold: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'Predictions drawn, judged and accepted (0.5)' }),
    ),
    acceptance: Type.Optional(PassAcceptanceSchema),
    training: Type.Optional(Training),
    stop: Type.Optional(Stop),
    cost: Type.Optional(CostSettings),
  },
  { additionalProperties: false },
);

export const RunStatusSchema = StringEnum([
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
]);

const StopReason = StringEnum([
  'iterations',
  'min_approvals',
  'plateau',
  'budget',
  'pool_empty',
  'cancelled',
  'error',
]);

export const CostSummarySchema = component(
  Type.Object(
    {
      annotationSeconds: Type.Number(),
      reviewSeconds: Type.Number(),
      humanHours: Type.Number({ description: '(annotationSeconds + reviewSeconds) / 3600' }),
      vlmPromptTokens: Type.Number(),
      vlmCompletionTokens: Type.Number(),
      vlmUsd: Type.Number(),
      trainingSeconds: Type.Number(),
      trainingDevice: Nullable(Type.String()),
      humanUsd: Type.Number(),
      computeUsd: Type.Number(),
      totalUsd: Type.Number({ description: 'humanUsd + vlmUsd + computeUsd' }),
    },
    { $id: 'CostSummary', description: 'Charges summed, each part shown; totals are sums of the parts' },
  ),
);
const CostRef = ref(CostSummarySchema);

export const RunIterationSchema = component(
  Type.Object(
    {
      iteration: Count,
      status: StringEnum(['pending', 'running', 'completed', 'stopped']),
      step: StringEnum(['select', 'pass', 'train', 'evaluate', 'close', 'done'], {
        description: 'The step it is at; done once closed',
      }),
      trainingJobId: Nullable(Id),
      modelVersionId: Nullable(Id),
      evaluationId: Nullable(Id),
      passId: Nullable(Id),
      trainImages: Nullable(
        Type.Integer({ description: "Images labelled when this iteration's model was trained" }),
      ),
      approved: Nullable(Count),
      accepted: Nullable(
        Type.Integer({
          minimum: 0,
          description:
            "Images whose predictions became labels: the approved ones and, under 'instance' acceptance, the part-accepted ones",
        }),
      ),
      rejected: Nullable(Count),
      abstained: Nullable(Count),
      errors: Nullable(Count),
      // Typed as the service reads it (the evaluation's JSON, kept as stored); the schema gives its shape.
      metrics: Nullable(
        Type.Unsafe<Record<string, unknown>>(
          Type.Object(
            {
              segmAP: Nullable(Type.Number()),
              segmAP50: Nullable(Type.Number()),
              segmAP75: Nullable(Type.Number()),
              // Optional: iterations measured before box AP was reported have none.
              bboxAP: Type.Optional(Nullable(Type.Number({ description: 'Box AP of the same detections' }))),
              bboxAP50: Type.Optional(Nullable(Type.Number())),
              bboxAP75: Type.Optional(Nullable(Type.Number())),
              perCategory: Type.Array(
                Type.Object({
                  id: Id,
                  name: Type.String(),
                  ap: Nullable(Type.Number()),
                  ap50: Nullable(Type.Number()),
                }),
              ),
            },
            {
              additionalProperties: true,
              description: 'Mask AP (and box AP) on the test split (COCO evaluation)',
            },
          ),
        ),
      ),
      agreement: Nullable(Json),
      cost: Nullable(CostRef),
      cumulativeCost: Nullable(CostRef),
      createdAt: DateTime,
      finishedAt: Nullable(DateTime),
    },
    { $id: 'RunIteration', description: 'One iteration: its children, results and costs' },
  ),
);

const RunFields = {
  id: Id,
  projectId: Id,
  name: Nullable(Type.String()),
  status: RunStatusSchema,
  stopReason: Nullable(StopReason),
  // Typed as an object: the service's RunConfig is an interface, which a string-keyed record is not.
  config: Type.Unsafe<object>(
    Type.Record(Type.String(), Type.Unknown(), { description: 'The request with every default filled in' }),
  ),
  iteration: Count,
  error: Nullable(ref(JobErrorSchema)),
  cost: CostRef,
  createdAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
  updatedAt: DateTime,
};

export const RunSchema = component(
  Type.Object(
    { ...RunFields, iterations: Type.Optional(Type.Array(ref(RunIterationSchema))) },
    { $id: 'Run', description: 'A run; GET of one run includes its iterations' },
  ),
);

export const RunCostSchema = component(
  Type.Object(
    {
      iteration: Count,
      kind: StringEnum(['annotation', 'review', 'vlm', 'training']),
      quantity: Type.Number(),
      unit: Type.String(),
      seconds: Type.Number(),
      usd: Type.Number(),
      detail: Json,
      createdAt: DateTime,
    },
    { $id: 'RunCost', description: 'One row of the cost ledger: one iteration and kind' },
  ),
);
