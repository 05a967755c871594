import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import {
  component,
  DateTime,
  Id,
  JobErrorSchema,
  PageQuery,
  ProjectParams,
  page,
  ref,
  responses,
  StringEnum,
} from '../../http/schemas.ts';

const Status = StringEnum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const Preset = StringEnum(['tiny', 'small', 'resnet50-fpn'], {
  default: 'small',
  description: 'tiny: tests only; small: CPU from scratch; resnet50-fpn: torchvision Mask R-CNN (GPU)',
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Numbers = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]));

const Progress = Type.Object(
  {
    phase: Type.Optional(Type.String({ description: 'preparing | training | exporting | finished' })),
    device: Type.Optional(Type.String()),
    iteration: Type.Optional(Type.Integer()),
    totalIterations: Type.Optional(Type.Integer()),
    epoch: Type.Optional(Type.Integer()),
    losses: Type.Optional(Numbers),
    lr: Type.Optional(Type.Number()),
    imagesPerSecond: Type.Optional(Type.Number()),
    etaSeconds: Type.Optional(Type.Number()),
    lastEvaluation: Type.Optional(
      Type.Object({ iteration: Type.Integer(), metrics: Numbers }, { additionalProperties: true }),
    ),
    lastCheckpoint: Type.Optional(
      Type.Object({ iteration: Type.Integer(), reason: Type.String(), time: DateTime }),
    ),
    runs: Type.Optional(
      Type.Array(
        Type.Object({
          attempt: Type.Integer(),
          workerId: Type.String(),
          device: Type.String(),
          startIteration: Type.Integer({ description: '> 0: resumed from a checkpoint' }),
          startedAt: DateTime,
        }),
      ),
    ),
  },
  { additionalProperties: true },
);

const TrainingJobSchema = component(
  Type.Object(
    {
      id: Id,
      projectId: Id,
      status: Status,
      preset: Type.String(),
      hyper: Type.Record(Type.String(), Type.Unknown()),
      seed: Type.Integer(),
      warmStart: Type.Object({
        type: StringEnum(['scratch', 'coco', 'base', 'model-version']),
        modelVersionId: Nullable(Id),
      }),
      labelSnapshot: Type.Object(
        { id: Id, trainImages: Type.Integer(), valImages: Type.Integer(), labels: Type.Integer() },
        { description: 'The labelled train/val pool frozen when the job was created' },
      ),
      progress: Progress,
      error: Nullable(ref(JobErrorSchema)),
      attempt: Type.Integer({ description: 'How many times a worker took the job (resumes count)' }),
      workerId: Nullable(Type.String()),
      modelVersionId: Nullable(Id),
      createdAt: DateTime,
      startedAt: Nullable(DateTime),
      finishedAt: Nullable(DateTime),
      updatedAt: DateTime,
    },
    { $id: 'TrainingJob', description: 'A training job: its label snapshot, status and progress' },
  ),
);
const TrainingJob = ref(TrainingJobSchema);
const TrainingJobPage = page('TrainingJobPage', TrainingJob);

const JobParams = Type.Object({ projectId: Id, jobId: Id });

const CreateBody = Type.Object(
  {
    preset: Type.Optional(Preset),
    hyper: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'Overrides of the preset hyper-parameters (see schema/train-job-spec.schema.json, `hyper`)',
      }),
    ),
    warmStart: Type.Optional(
      Type.Union(
        [
          StringEnum(['scratch', 'coco', 'base', 'active']),
          Type.Object({ modelVersionId: Id }, { additionalProperties: false }),
        ],
        {
          default: 'scratch',
          description:
            "'base': the preset's pretrained base model (trainer/base/<preset>-base.pt, pretrained on shapes disjoint from the built-in classes; class heads replaced); 'active': the project's active model version",
        },
      ),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

export const trainingJobRoutes = (ctx: AppContext) => async (app: App) => {
  const training = () => ctx.services.training;
  app.post(
    '/projects/:projectId/training-jobs',
    {
      schema: {
        operationId: 'createTrainingJob',
        tags: ['training'],
        summary: 'Start a training job on the worker pool',
        description:
          "Freezes the labelled train and val pool as the job's label snapshot and queues the job; 202 with the job, " +
          'whose status and progress tell how it goes. Retries and resumes train on the same snapshot.',
        params: ProjectParams,
        body: CreateBody,
        response: responses({ 202: TrainingJob }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const job = await training().create(request.params.projectId, {
        preset: body.preset ?? 'small',
        hyper: body.hyper,
        warmStart: body.warmStart,
        seed: body.seed,
      });
      return reply
        .status(202)
        .header('location', `/v1/projects/${job.projectId}/training-jobs/${job.id}`)
        .send(job);
    },
  );
  app.get(
    '/projects/:projectId/training-jobs',
    {
      schema: {
        operationId: 'listTrainingJobs',
        tags: ['training'],
        summary: 'List training jobs',
        params: ProjectParams,
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(Status) }),
        response: responses({ 200: ref(TrainingJobPage) }),
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      return training().list(request.params.projectId, { status }, { limit, cursor });
    },
  );
  app.get(
    '/projects/:projectId/training-jobs/:jobId',
    {
      schema: {
        operationId: 'getTrainingJob',
        tags: ['training'],
        summary: 'A training job with its status and progress',
        params: JobParams,
        response: responses({ 200: TrainingJob }),
      },
    },
    async (request) => training().get(request.params.projectId, request.params.jobId),
  );
  app.post(
    '/projects/:projectId/training-jobs/:jobId/cancel',
    {
      schema: {
        operationId: 'cancelTrainingJob',
        tags: ['training'],
        summary: 'Cancel a training job',
        description:
          "A queued job never starts; a running one's trainer process is ended. 409 when it already ended.",
        params: JobParams,
        response: responses({ 200: TrainingJob }),
      },
    },
    async (request) => training().cancel(request.params.projectId, request.params.jobId),
  );
};
