import type { AppContext } from './context.ts';
import { apiKeyRoutes } from './domains/auth/api-key.routes.ts';
import { cocoRoutes } from './domains/datasets/coco.routes.ts';
import { imageRoutes } from './domains/datasets/image.routes.ts';
import { labelRoutes } from './domains/datasets/label.routes.ts';
import { urlImportRoutes } from './domains/datasets/url-import.routes.ts';
import { evaluationRoutes } from './domains/evaluations/evaluation.routes.ts';
import { exportRoutes } from './domains/exports/export.routes.ts';
import { toolExportRoutes } from './domains/exports/tool-export.routes.ts';
import { healthRoutes } from './domains/health/health.routes.ts';
import { cvatRoutes } from './domains/integrations/cvat.routes.ts';
import { labelStudioBackendRoutes } from './domains/integrations/label-studio-backend.routes.ts';
import { labelStudioSettingsRoutes } from './domains/integrations/label-studio-settings.routes.ts';
import { modelUploadRoutes } from './domains/models/model-upload.routes.ts';
import { modelVersionRoutes } from './domains/models/model-version.routes.ts';
import { predictRoutes } from './domains/models/predict.routes.ts';
import { passRoutes } from './domains/passes/pass.routes.ts';
import { categoryRoutes } from './domains/projects/category.routes.ts';
import { projectRoutes } from './domains/projects/project.routes.ts';
import { runRoutes } from './domains/runs/run.routes.ts';
import { trainingJobRoutes } from './domains/training/training-job.routes.ts';
import { webhookRoutes } from './domains/webhooks/webhook.routes.ts';
import { workerRoutes } from './domains/workers/worker.routes.ts';
import type { App } from './http/app-type.ts';

export async function registerRoutes(app: App, ctx: AppContext): Promise<void> {
  await app.register(healthRoutes(ctx));
  // Label Studio's ML-backend protocol, at the root of a per-project base path (not under /v1).
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
      await v1.register(passRoutes(ctx));
      await v1.register(runRoutes(ctx));
      await v1.register(urlImportRoutes(ctx));
      await v1.register(toolExportRoutes(ctx));
      await v1.register(cvatRoutes(ctx));
      await v1.register(labelStudioSettingsRoutes(ctx));
    },
    { prefix: '/v1' },
  );
}
