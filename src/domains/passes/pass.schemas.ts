import { Type } from 'typebox';
import { component, DateTime, Id, JobErrorSchema, numbers, ref, StringEnum } from '../../http/schemas.ts';
import { PoolStateSchema, RleSchema, SplitSchema } from '../datasets/dataset.schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Rate = Type.Number({ minimum: 0, maximum: 1 });
const Count = Type.Integer({ minimum: 0 });

const oracleOptions = {
  iouThreshold: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'Mask IoU a match needs (0.6)' }),
  ),
  matching: Type.Optional(StringEnum(['greedy', 'hungarian'])),
  minOverlapIou: Type.Optional(Rate),
  reviewSecondsPerImage: Type.Optional(
    Type.Number({ minimum: 0, description: "The simulated human's seconds per check (3)" }),
  ),
  ignoreCrowdPredictions: Type.Optional(Type.Boolean()),
};

export const JudgeConfigSchema = component(
  Type.Union(
    [
      Type.Object(
        {
          kind: Type.Literal('oracle', {
            description: 'The simulated human: judges against the ground truth',
          }),
          ...oracleOptions,
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          kind: Type.Literal('simulated', { description: 'The oracle, wrong at the given rates' }),
          falseApproveRate: Rate,
          falseRejectRate: Rate,
          seed: Type.Optional(Type.Integer({ minimum: 0 })),
          ...oracleOptions,
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          kind: Type.Literal('vlm', {
            description: 'A VLM behind an OpenAI-compatible chat-completions API',
          }),
          baseUrl: Type.Optional(Type.String({ minLength: 1, description: 'Default: VLM_BASE_URL' })),
          apiKey: Type.Optional(Type.String({ description: 'Default: VLM_API_KEY; never returned' })),
          model: Type.Optional(Type.String({ minLength: 1, description: 'Default: VLM_MODEL' })),
          includeRawImage: Type.Optional(Type.Boolean()),
          imageDetail: Type.Optional(StringEnum(['auto', 'low', 'high'])),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
          maxAttempts: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 10, description: 'HTTP attempts per try' }),
          ),
          minConfidence: Type.Optional(Rate),
          logprobs: Type.Optional(Type.Boolean()),
          structuredOutput: Type.Optional(Type.Boolean()),
          temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
          maxTokens: Type.Optional(Type.Integer({ minimum: 16, maximum: 32_768 })),
          concurrency: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 32, description: 'Images judged at once per job' }),
          ),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          kind: Type.Literal('human', { description: 'Reviewers through .../review/next' }),
          leaseSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          kind: Type.Literal('accept-all', {
            description:
              'No judge: every predicted image is approved and its predictions become labels, unreviewed. ' +
              'Charges no review seconds and no tokens; agreement with the oracle is still measured where ' +
              'ground truth exists. The no-judge baseline of the study design',
          }),
        },
        { additionalProperties: false },
      ),
    ],
    { $id: 'JudgeConfig', description: 'Who decides each image' },
  ),
);

export const PassAcceptanceSchema = StringEnum(['image', 'instance'], {
  description:
    "What becomes labels. 'image' (default, the study's rule): the drawn predictions of an approved image. " +
    "'instance': also a rejected image with no missed object and at least one correct prediction: its correct " +
    'predictions become labels and the others crowd (ignore) regions, which training learns neither as objects ' +
    'nor as background',
});

export const CreatePassBody = Type.Object(
  {
    modelVersionId: Type.Optional(Id),
    images: Type.Optional(
      Type.Object(
        {
          filter: Type.Optional(
            Type.Object(
              { split: Type.Optional(SplitSchema), poolState: Type.Optional(PoolStateSchema) },
              { additionalProperties: false },
            ),
          ),
          ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100_000 })),
        },
        {
          additionalProperties: false,
          description: 'Default: the unlabelled pool of the train split',
        },
      ),
    ),
    judge: ref(JudgeConfigSchema),
    scoreThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: "The ONE threshold for what is drawn, listed, judged and accepted; default: the model's",
      }),
    ),
    acceptance: Type.Optional(PassAcceptanceSchema),
    retry: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 3 })),
          baseDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, default: 5000 })),
        },
        {
          additionalProperties: false,
          description: 'Judge tries per image on retryable errors, with backoff',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const PassStatusSchema = StringEnum(['queued', 'running', 'completed', 'failed', 'cancelled']);

export const PassImageStateSchema = StringEnum([
  'pending',
  'predicting',
  'predicted',
  'judging',
  'judged',
  'awaiting_review',
  'errored',
]);

const InstanceVerdictValue = StringEnum(['correct', 'wrong_class', 'bad_mask', 'not_an_object']);

const ClassAgreement = Type.Object({
  instances: Count,
  agreed: Count,
  agreement: Nullable(Type.Number()),
  kappa: Nullable(Type.Number()),
  confusion: Type.Record(Type.String(), Type.Record(Type.String(), Count), {
    description: 'confusion[judge verdict][oracle verdict]',
  }),
});

const Agreement = Type.Object(
  {
    images: Count,
    compared: Count,
    confusion: Type.Object({
      bothApprove: Count,
      judgeApproveOracleReject: Count,
      judgeRejectOracleApprove: Count,
      bothReject: Count,
    }),
    judgeAbstained: Count,
    judgeErrors: Count,
    oracleUnavailable: Count,
    accuracy: Nullable(Type.Number()),
    approvalPrecision: Nullable(Type.Number()),
    approvalRecall: Nullable(Type.Number()),
    kappa: Nullable(Type.Number()),
    perClass: Type.Record(Type.String(), ClassAgreement),
  },
  { description: 'The judge against the oracle on the images with ground truth' },
);

export const PassSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      modelVersionId: Id,
      status: PassStatusSchema,
      scoreThreshold: Type.Number(),
      acceptance: PassAcceptanceSchema,
      judge: Type.Record(Type.String(), Type.Unknown(), {
        description: 'The judge config (API key left out)',
      }),
      images: Type.Record(Type.String(), Type.Unknown(), { description: 'The image selection' }),
      retry: Type.Object({ maxAttempts: Type.Integer(), baseDelayMs: Type.Integer() }),
      progress: Type.Object({ done: Count, total: Count, fraction: Type.Number() }),
      counts: Type.Object(
        {
          images: Count,
          pending: Count,
          predicted: Count,
          approved: Count,
          rejected: Count,
          abstained: Count,
          errored: Count,
          awaitingReview: Count,
          accepted: Count,
        },
        {
          description:
            'approved + rejected + errored + awaitingReview + pending = images; abstained: images the machine judge sent to review',
        },
      ),
      reviewSeconds: Type.Number({ description: 'Human review time charged (simulated or real)' }),
      agreement: Nullable(Agreement),
      error: Nullable(ref(JobErrorSchema)),
      createdAt: DateTime,
      startedAt: Nullable(DateTime),
      finishedAt: Nullable(DateTime),
      updatedAt: DateTime,
    },
    { $id: 'Pass', description: 'A predict-and-judge pass with its progress, counts and agreement' },
  ),
);

export const PredictionSchema = component(
  Type.Object(
    {
      id: Id,
      passId: Id,
      imageId: Id,
      modelVersionId: Id,
      categoryId: Id,
      categoryName: Type.String(),
      score: Type.Number(),
      bbox: numbers<[number, number, number, number]>(4, "[x, y, width, height] of the model's box"),
      segmentation: ref(RleSchema),
      area: Type.Number(),
      drawnIndex: Nullable(
        Type.Integer({ minimum: 1, description: 'Number on the overlay; null: under the threshold' }),
      ),
      createdAt: DateTime,
    },
    { $id: 'Prediction', description: 'One predicted instance of a model version on an image, in a pass' },
  ),
);

const Verdict = Nullable(Type.Record(Type.String(), Type.Unknown()));

export const PassImageSchema = component(
  Type.Object(
    {
      imageId: Id,
      state: PassImageStateSchema,
      verdict: Nullable(StringEnum(['approve', 'reject', 'abstain', 'error'])),
      abstained: Type.Boolean(),
      accepted: Type.Boolean({ description: 'Approved and its predictions became its labels' }),
      tries: Type.Integer({ description: 'Judge tries that ended in a retryable error' }),
      attempt: Type.Integer({ description: 'Claims so far (fencing token)' }),
      reviewSeconds: Type.Number(),
      judgeVerdict: Verdict,
      reviewVerdict: Verdict,
      oracleVerdict: Verdict,
      error: Nullable(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          retryable: Type.Boolean(),
          stage: Type.String(),
        }),
      ),
      judgedAt: Nullable(DateTime),
      instances: Type.Optional(
        Type.Array(ref(PredictionSchema), { description: 'Exactly the drawn instances' }),
      ),
    },
    { $id: 'PassImage', description: 'One image of a pass: its state and verdicts' },
  ),
);

export const ReviewItemSchema = component(
  Type.Object(
    {
      imageId: Id,
      overlayUrl: Type.String(),
      originalUrl: Type.String(),
      leaseExpiresAt: DateTime,
      instances: Type.Array(ref(PredictionSchema), {
        description: 'Exactly the instances drawn on the overlay',
      }),
      judgeVerdict: Verdict,
    },
    { $id: 'ReviewItem', description: 'An image leased to the calling API key for review' },
  ),
);

export const ReviewBody = Type.Object(
  {
    verdict: StringEnum(['approve', 'reject']),
    instances: Type.Optional(
      Type.Array(
        Type.Object(
          {
            index: Type.Integer({ minimum: 1 }),
            verdict: InstanceVerdictValue,
            note: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        { description: 'Per drawn instance; unmentioned ones of an approved image are correct' },
      ),
    ),
    missedObjects: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        description:
          "Objects the model did not find. Under the pass's 'instance' acceptance, a rejected image with 0 " +
          'and at least one correct instance is accepted in part; unset: not accepted',
      }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
    reviewSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 86_400,
        description: 'Default: the time since the image was leased',
      }),
    ),
  },
  { additionalProperties: false },
);
