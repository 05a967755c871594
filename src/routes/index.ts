import type { AppContext } from '../context.ts';
import type { App } from '../http/app-type.ts';
import { healthRoutes } from './health/index.ts';
import { labelStudioBackendRoutes } from './integrations/label-studio.ts';
import { apiKeyRoutes } from './v1/api-keys/index.ts';
import { categoryRoutes } from './v1/projects/categories/index.ts';
import { cocoRoutes } from './v1/projects/coco/index.ts';
import { evaluationRoutes } from './v1/projects/evaluations/index.ts';
import { exportRoutes } from './v1/projects/exports/index.ts';
import { imageRoutes } from './v1/projects/images/index.ts';
import { projectRoutes } from './v1/projects/index.ts';
import { labelStudioSettingsRoutes } from './v1/projects/integrations/label-studio.ts';
import { labelRoutes } from './v1/projects/labels/index.ts';
import { modelVersionRoutes } from './v1/projects/model-versions/index.ts';
import { predictRoutes } from './v1/projects/model-versions/predict.ts';
import { modelUploadRoutes } from './v1/projects/model-versions/upload.ts';
import { passRoutes } from './v1/projects/passes/index.ts';
import { runRoutes } from './v1/projects/runs/index.ts';
import { trainingJobRoutes } from './v1/projects/training-jobs/index.ts';
import { webhookRoutes } from './v1/projects/webhooks/index.ts';
import { workerRoutes } from './v1/workers/index.ts';

export async function registerRoutes(app: App, ctx: AppContext): Promise<void> {
  await app.register(healthRoutes(ctx));
  await app.register(labelStudioBackendRoutes(ctx));
  await app.register(
    async (v1) => {
      await v1.register(apiKeyRoutes(ctx));
      await v1.register(projectRoutes(ctx));
      await v1.register(categoryRoutes(ctx));
      await v1.register(imageRoutes(ctx));
      await v1.register(labelRoutes(ctx));
      await v1.register(cocoRoutes(ctx));
      await v1.register(evaluationRoutes(ctx));
      await v1.register(exportRoutes(ctx));
      await v1.register(trainingJobRoutes(ctx));
      await v1.register(modelVersionRoutes(ctx));
      await v1.register(workerRoutes(ctx));
      await v1.register(webhookRoutes(ctx));
      await v1.register(modelUploadRoutes(ctx));
      await v1.register(predictRoutes(ctx));
      await v1.register(labelStudioSettingsRoutes(ctx));
      await v1.register(passRoutes(ctx));
      await v1.register(runRoutes(ctx));
    },
    { prefix: '/v1' },
  );
}
