/**
 * Generated from openapi/openapi.json by `npm run client` (openapi-typescript). Do not edit:
 * change the routes, then run `npm run openapi` (which regenerates this file too).
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up and reaches its database */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database is reachable and migrated */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** ML backend health: {"status": "UP", "model_class": ...} */
        get: operations["labelStudioHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** ML backend metrics (none: {}) */
        get: operations["labelStudioMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reads the labelling config (BrushLabels/PolygonLabels, their labels); answers {"model_version"} */
        post: operations["labelStudioSetup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Predicts Label Studio tasks: {"results": [{result, score, model_version}]}, one per task in order */
        post: operations["labelStudioPredict"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** START_TRAINING and ANNOTATION_* pull annotations as human labels and may start training */
        post: operations["labelStudioWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/label-studio/{projectId}/train": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The legacy training call (annotated tasks inline), for Label Studio without START_TRAINING webhooks */
        post: operations["labelStudioTrain"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys (admin); the keys themselves are never stored */
        get: operations["listApiKeys"];
        put?: never;
        /** Create an API key (admin); the key is shown only in this response */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key (admin) */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the projects this key may see */
        get: operations["listProjects"];
        put?: never;
        /** Create a project with its categories (admin) */
        post: operations["createProject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a project */
        get: operations["getProject"];
        put?: never;
        post?: never;
        /** Delete a project and everything in it (admin) */
        delete: operations["deleteProject"];
        options?: never;
        head?: never;
        /** Rename or describe a project */
        patch: operations["updateProject"];
        trace?: never;
    };
    "/v1/projects/{projectId}/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add categories to a project */
        post: operations["createCategories"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/categories/{categoryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a category without labels */
        delete: operations["deleteCategory"];
        options?: never;
        head?: never;
        /** Change a category */
        patch: operations["updateCategory"];
        trace?: never;
    };
    "/v1/projects/{projectId}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List images, filtered by split, pool state and label source */
        get: operations["listImages"];
        put?: never;
        /**
         * Upload images (multipart, many files per request, streamed)
         * @description Each file must be a JPEG, PNG, WebP or TIFF that decodes completely, within the byte and pixel limits. Uploading the same bytes again returns the existing image, so retries are safe. A bad file rejects the whole request and names every bad file; nothing of the request is stored.
         */
        post: operations["uploadImages"];
        delete?: never;
        options?: never;
        head?: never;
        /** Set split and/or pool state of many images */
        patch: operations["updateImages"];
        trace?: never;
    };
    "/v1/projects/{projectId}/images/{imageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an image */
        get: operations["getImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/images/{imageId}/original": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The original bytes as uploaded */
        get: operations["getImageOriginal"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/images/{imageId}/labels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add instance labels to an image; bbox and area are derived from the mask */
        post: operations["createLabels"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/labels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List labels, by image and source */
        get: operations["listLabels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/labels/{labelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a label */
        delete: operations["deleteLabel"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/coco-imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import COCO instance labels, optionally with the images (multipart), in one transaction
         * @description Send application/json with the COCO object, or multipart/form-data with an `annotations` part and image files. Images are matched by file_name. Any problem rejects the whole import and names the JSON path of each offending field. Re-importing replaces the labels of the same source on those images, so retries are safe.
         */
        post: operations["importCoco"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/coco-export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Export labels as a COCO instances file (streamed; masks as compressed RLE) */
        get: operations["exportCoco"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/evaluations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List evaluations */
        get: operations["listEvaluations"];
        put?: never;
        /**
         * COCO evaluation of a model version, or of COCO results, against a split's labels
         * @description With `modelVersionId` the evaluation is queued (202): a worker predicts the split with onnxruntime and evaluates. With `results` (a COCO results list in this project's image and category ids) it is computed at once (201). Ground truth is the split's labels of source import or human. Numbers match pycocotools.
         */
        post: operations["createEvaluation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/evaluations/{evaluationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an evaluation with its stats and inputs */
        get: operations["getEvaluation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/exports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List exports */
        get: operations["listExports"];
        put?: never;
        /** Write a COCO export in the background; `export.ready` announces it */
        post: operations["createExport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/exports/{exportId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an export */
        get: operations["getExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/exports/{exportId}/coco.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a ready export */
        get: operations["downloadExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/training-jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List training jobs */
        get: operations["listTrainingJobs"];
        put?: never;
        /**
         * Start a training job on the worker pool
         * @description Freezes the labelled train and val pool as the job's label snapshot and queues the job; 202 with the job, whose status and progress tell how it goes. Retries and resumes train on the same snapshot.
         */
        post: operations["createTrainingJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/training-jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A training job with its status and progress */
        get: operations["getTrainingJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/training-jobs/{jobId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a training job
         * @description A queued job never starts; a running one's trainer process is ended. 409 when it already ended.
         */
        post: operations["cancelTrainingJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List model versions with their metrics and parents */
        get: operations["listModelVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/{versionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model version with its metadata and lineage */
        get: operations["getModelVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/{versionId}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Make this the project's active model version (one per project) */
        post: operations["activateModelVersion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/{versionId}/model.onnx": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download the ONNX model */
        get: operations["downloadModelVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live workers, their slots, devices and current jobs (admin)
         * @description A worker is live while it heartbeats; one silent longer than the stale timeout is left out.
         */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List webhook endpoints */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Create a webhook endpoint; the response shows its signing secret, once
         * @description Requests follow Standard Webhooks: headers webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of "id.timestamp.body">), body {type, timestamp, data}.
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a webhook endpoint */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a webhook endpoint and its delivery log */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Change a webhook endpoint; enabled: true re-enables a disabled one */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace the signing secret; the old one keeps signing during the overlap
         * @description During the overlap every request carries two signatures (space-separated in webhook-signature), so receivers can switch to the new secret without missing a request.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}/ping": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a webhook.ping event to this endpoint */
        post: operations["pingWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The delivery log of an endpoint, oldest first */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A delivery with the body it sends */
        get: operations["getWebhookDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivery's event again, as a new delivery with the same webhook-id */
        post: operations["redeliverWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/upload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload your own Mask R-CNN (ONNX) as a model version
         * @description torchvision's export form: one float32 CHW RGB image in [0, 1] in; boxes, labels (int64), scores and masks [N,1,H,W] out. Accepted only after onnxruntime loaded it and ran it once on a small image; a file that fails is refused with 422 naming `model`. The metadata maps model labels to project categories.
         */
        post: operations["uploadModelVersion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/{version}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Predict one image now with a model version (or `active`), optionally judged
         * @description Send multipart/form-data with an `image` part, or application/json `PredictUrlBody` ({"url": ...}); the URL is fetched through the same guard as webhooks (no private targets unless the operator allows them, no redirects). `judge` may be `vlm` or `accept-all`: the oracle judges need ground truth, which an image from outside the project lacks. The model is loaded once per version and kept.
         */
        post: operations["predictImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List passes */
        get: operations["listPasses"];
        put?: never;
        /**
         * Start a predict-and-judge pass
         * @description A model version predicts on the selected images (default: the unlabelled pool of the train split) and a judge decides each: the oracle or a simulation of it against ground truth, a VLM, or human reviewers. Approved images get their drawn predictions as labels (source approved_prediction) and join the labelled pool. 202 with the pass; workers do the work, batch by batch, surviving restarts.
         */
        post: operations["createPass"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A pass with its progress, counts and (once completed) agreement with the oracle */
        get: operations["getPass"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a pass
         * @description No image of it is predicted, judged or accepted afterwards. 409 when it already ended.
         */
        post: operations["cancelPass"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List a pass's images with their state and verdicts */
        get: operations["listPassImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/images/{imageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One image of a pass: state, verdicts and exactly the instances its overlay draws */
        get: operations["getPassImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/images/{imageId}/overlay.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The Set-of-Mark overlay the judge saw, at the pass's threshold
         * @description Each drawn instance filled, outlined and labelled "<number> <class>". Deterministic bytes.
         */
        get: operations["getPassImageOverlay"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/predictions/{predictionId}/overlay.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Set-of-Mark overlay a prediction was judged on (its image in its pass) */
        get: operations["getPredictionOverlay"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/images/{imageId}/predictions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An image's predictions, of one pass or of all */
        get: operations["listImagePredictions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/review/next": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Lease the next images awaiting human review
         * @description Images of a human pass, and images a machine judge abstained on, the lowest judge confidence first (then by image id). Each is leased to the calling API key (asking again returns its live leases first); other keys do not get it until the lease runs out.
         */
        get: operations["leaseReviewItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/review/{imageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a reviewer verdict on a leased image
         * @description An approval makes the drawn predictions the image's labels, in the same transaction. 409 when the image is not leased to this API key or was already judged. Review time is recorded (default: since the lease).
         */
        post: operations["submitReview"];
        /**
         * Undo this key's verdict on an image while its lease lasts
         * @description The image awaits review again, still leased to the calling key, and the labels an approval made are deleted (the image returns to the unlabelled pool). 409 when the verdict is not this key’s, its lease has run out, or the pass is no longer running.
         */
        delete: operations["withdrawReview"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List runs */
        get: operations["listRuns"];
        put?: never;
        /**
         * Start an active-learning run
         * @description Iteration 0 labels the initial set and trains and evaluates a model; each further iteration predicts on the unlabelled train pool, judges, accepts approvals as labels, retrains and evaluates on the test split. Every step is a durable job. 202 with the run; 409 while the project has another active run. See docs/runs.md.
         */
        post: operations["createRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run with its iterations */
        get: operations["getRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a run: it takes no further step (children already started finish) */
        post: operations["pauseRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused run; 409 when it is not paused */
        post: operations["resumeRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a run: its running child is cancelled and the run ends; 409 when it already ended */
        post: operations["cancelRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/iterations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run's iterations: children, training-set size, verdicts, metrics, agreement and costs */
        get: operations["listRunIterations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/costs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run's cost ledger: one row per iteration and kind, and their sum */
        get: operations["getRunCosts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/learning-curve.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The run's learning curve (SVG)
         * @description Mask AP on the test split against cumulative human hours (annotation + review), one point per closed iteration, numbered.
         */
        get: operations["getRunLearningCurveSvg"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/learning-curve.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Learning curves of several runs (SVG)
         * @description Mask AP on the test split against cumulative human hours (annotation + review), one point per closed iteration, numbered.
         */
        get: operations["getLearningCurvesSvg"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/runs/{runId}/learning-curve.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The run's learning curve (PNG)
         * @description Mask AP on the test split against cumulative human hours (annotation + review), one point per closed iteration, numbered.
         */
        get: operations["getRunLearningCurvePng"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/learning-curve.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Learning curves of several runs (PNG)
         * @description Mask AP on the test split against cumulative human hours (annotation + review), one point per closed iteration, numbered.
         */
        get: operations["getLearningCurvesPng"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/images/from-urls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import images by URL into the project (the unlabelled pool by default)
         * @description Every URL is checked before anything is fetched: http(s) only, and every address its host resolves to must be global unicast unless the project's URL allow-list names the host or its network. Fetched bytes go through the upload path (image proof, limits, dedup): all URLs are stored, or none.
         */
        post: operations["importImagesFromUrls"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/url-allow-list": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The project's URL allow-list */
        get: operations["getUrlAllowList"];
        /**
         * Replace the project's URL allow-list (admin key)
         * @description Entries: a host name (`cvat.internal`), a wildcard host (`*.corp.example`), an address or a CIDR (`10.0.0.0/8`, at most as wide as /8 for IPv4 and /7 for IPv6). An admin key is needed: the list opens the server's network to the project's requests.
         */
        put: operations["replaceUrlAllowList"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/coco-results.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A pass's predictions as COCO results with their verdicts (pycocotools loadRes, FiftyOne)
         * @description Every prediction of the pass, also those under its score threshold (drawn_index null), so AP can be computed from it. instance_verdict is the reviewer’s per-instance verdict when there is one, else the judge’s.
         */
        get: operations["exportPassCocoResults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/model-versions/{versionId}/coco-results.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model version's predictions as COCO results, the latest pass per image */
        get: operations["exportModelVersionCocoResults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/cvat-coco-export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Labels as COCO 1.0 that CVAT imports (Upload annotations, format "COCO 1.0")
         * @description Images by bare file name (CVAT matches them to the task’s frames), masks as uncompressed RLE like CVAT’s own export, the labels of record of each labelled image; unlabelled images have none.
         */
        get: operations["exportCvatCoco"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/cvat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The project's CVAT connection */
        get: operations["getCvatConnection"];
        /**
         * Connect the project to a CVAT server (replaces the connection and its webhook secret)
         * @description baseUrl must pass the URL guard: a CVAT on a private network must be in the project's URL allow-list. authHeader is how we call its REST API, e.g. `Authorization: Token <personal access token>`.
         */
        put: operations["connectCvat"];
        post?: never;
        /** Remove the CVAT connection; its webhook is refused from then on */
        delete: operations["disconnectCvat"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/cvat/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The latest 100 imports of completed CVAT jobs, newest first */
        get: operations["listCvatImports"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/cvat/imports/{importId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One import of a completed CVAT job */
        get: operations["getCvatImport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/cvat/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * CVAT's webhook (signed with X-Signature-256, no API key)
         * @description Point a CVAT project webhook here with content type application/json, the secret from connectCvat, and the "job" events. `update:job` to state completed queues an import of the job's annotations (COCO 1.0 through CVAT's REST API) as human labels, then training when the connection says so; `ping` answers pong; other events are ignored. A wrong or missing signature answers 401.
         */
        post: operations["receiveCvatWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/integrations/label-studio": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The project's Label Studio ML backend settings */
        get: operations["getLabelStudioIntegration"];
        /** Connect a Label Studio (its URL and token) and set how the ML backend predicts and trains */
        put: operations["putLabelStudioIntegration"];
        post?: never;
        /** Disconnect Label Studio (labels it gave stay) */
        delete: operations["deleteLabelStudioIntegration"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/projects/{projectId}/passes/{passId}/label-studio-tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A pass's images as Label Studio tasks with its predictions as pre-annotations
         * @description Import the file in Label Studio (Import > JSON). Predictions are the pass's drawn ones (above its threshold), as brush masks or polygons; each task's score is the judge's approval confidence (the mean detection score without a verdict). `imageUrl` is the prefix Label Studio finds the images under (the file name is appended); by default this API's image URL, which needs a key Label Studio does not send.
         */
        get: operations["exportPassLabelStudioTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An API key without the key itself, which is never stored */
        ApiKey: {
            id: number;
            name: string;
            prefix: string;
            /** @description null for admin keys */
            projectId: number | null;
            /** Format: date-time */
            createdAt: string;
            revokedAt: string | null;
        };
        /** @description One page of a listing */
        ApiKeyPage: {
            data: components["schemas"]["ApiKey"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        Category: {
            id: number;
            name: string;
            supercategory: string | null;
            color: string | null;
        };
        CategoryInput: {
            name: string;
            supercategory?: string | null;
            color?: string | null;
        };
        /** @description What a COCO import stored */
        CocoImportResult: {
            images: number;
            annotations: number;
            categoriesCreated: string[];
            replacedLabels: number;
        };
        /** @description Charges summed, each part shown; totals are sums of the parts */
        CostSummary: {
            annotationSeconds: number;
            reviewSeconds: number;
            /** @description (annotationSeconds + reviewSeconds) / 3600 */
            humanHours: number;
            vlmPromptTokens: number;
            vlmCompletionTokens: number;
            vlmUsd: number;
            trainingSeconds: number;
            trainingDevice: string | null;
            humanUsd: number;
            computeUsd: number;
            /** @description humanUsd + vlmUsd + computeUsd */
            totalUsd: number;
        };
        CreatedApiKey: {
            /** @description The key: shown only in this response */
            key: string;
            info: components["schemas"]["ApiKey"];
        };
        /** @description A project's CVAT server; the token and webhook secret are not shown */
        CvatConnection: {
            projectId: number;
            baseUrl: string;
            authHeader: {
                name: string;
                hint: string;
            } | null;
            onJobCompleted: {
                /** @description Start a training job once the annotations are in */
                train: boolean;
                /** @enum {string} */
                preset?: "tiny" | "small" | "resnet50-fpn";
                hyper?: {
                    [key: string]: unknown;
                };
                warmStart?: ("scratch" | "coco" | "base" | "active") | {
                    modelVersionId: number;
                };
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        CvatConnectionCreated: components["schemas"]["CvatConnection"] & {
            /** @description Give it to CVAT's webhook as its secret; shown this once (connect again for a new one) */
            webhookSecret: string;
        };
        /** @description A completed CVAT job's annotations pulled in, and the training it started */
        CvatImport: {
            id: number;
            projectId: number;
            cvatJobId: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed";
            result: {
                [key: string]: unknown;
            } | null;
            error: {
                code: string;
                message: string;
            } | null;
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
        };
        CvatWebhookOutcome: {
            /** @enum {string} */
            action: "pong" | "ignored" | "queued";
            reason?: string;
            importId?: number;
        };
        /** @description A COCO evaluation: its inputs and, once completed, its stats */
        Evaluation: {
            id: number;
            projectId: number;
            /** @enum {string} */
            split: "train" | "val" | "test";
            /** @enum {string} */
            iouType: "segm" | "bbox";
            modelVersionId: number | null;
            /** @enum {string} */
            status: "queued" | "completed" | "failed";
            inputs: {
                [key: string]: unknown;
            };
            result: ({
                /** @description the 12 COCO summary stats in pycocotools' order */
                stats: number[];
                perCategory: {
                    id: number;
                    name: string;
                    ap: number;
                    ap50: number;
                }[];
                summary: string;
                images: number;
                groundTruth: number;
                detections: number;
            } & {
                [key: string]: unknown;
            }) | null;
            resultsSha256: string | null;
            error: {
                [key: string]: unknown;
            } | null;
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
        };
        /** @description One page of a listing */
        EvaluationPage: {
            data: components["schemas"]["Evaluation"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A COCO export written in the background */
        Export: {
            id: number;
            projectId: number;
            format: string;
            filter: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            status: "queued" | "ready" | "failed";
            sha256: string | null;
            bytes: number | null;
            error: {
                [key: string]: unknown;
            } | null;
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
        };
        /** @description One page of a listing */
        ExportPage: {
            data: components["schemas"]["Export"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        HealthStatus: {
            status: string;
            /** @description Why it is unavailable */
            detail?: string;
        };
        Image: {
            id: number;
            projectId: number;
            sha256: string;
            fileName: string;
            mimeType: string;
            bytes: number;
            /** @description after EXIF orientation */
            width: number;
            /** @description after EXIF orientation */
            height: number;
            /** @enum {string} */
            split: "train" | "val" | "test";
            /** @enum {string} */
            poolState: "labeled" | "unlabeled";
            /** @description Which of its labels a labelled image trains on (null: all of them) */
            labelSourceOfRecord?: ("import" | "human" | "approved_prediction") | null;
            /** Format: date-time */
            createdAt: string;
        };
        ImageList: {
            data: components["schemas"]["Image"][];
        };
        /** @description One page of a listing */
        ImagePage: {
            data: components["schemas"]["Image"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        ImageUploadResult: {
            data: components["schemas"]["UploadedImage"][];
            created: number;
            existing: number;
        };
        /** @description Why it failed: a stable code and a message */
        JobError: {
            code: string;
            message: string;
        };
        /** @description Who decides each image */
        JudgeConfig: {
            /**
             * @description The simulated human: judges against the ground truth
             * @enum {string}
             */
            kind: "oracle";
            /** @description Mask IoU a match needs (0.6) */
            iouThreshold?: number;
            /** @enum {string} */
            matching?: "greedy" | "hungarian";
            minOverlapIou?: number;
            /** @description The simulated human's seconds per check (3) */
            reviewSecondsPerImage?: number;
            ignoreCrowdPredictions?: boolean;
        } | {
            /**
             * @description The oracle, wrong at the given rates
             * @enum {string}
             */
            kind: "simulated";
            falseApproveRate: number;
            falseRejectRate: number;
            seed?: number;
            /** @description Mask IoU a match needs (0.6) */
            iouThreshold?: number;
            /** @enum {string} */
            matching?: "greedy" | "hungarian";
            minOverlapIou?: number;
            /** @description The simulated human's seconds per check (3) */
            reviewSecondsPerImage?: number;
            ignoreCrowdPredictions?: boolean;
        } | {
            /**
             * @description A VLM behind an OpenAI-compatible chat-completions API
             * @enum {string}
             */
            kind: "vlm";
            /** @description Default: VLM_BASE_URL */
            baseUrl?: string;
            /** @description Default: VLM_API_KEY; never returned */
            apiKey?: string;
            /** @description Default: VLM_MODEL */
            model?: string;
            includeRawImage?: boolean;
            /** @enum {string} */
            imageDetail?: "auto" | "low" | "high";
            timeoutMs?: number;
            /** @description HTTP attempts per try */
            maxAttempts?: number;
            minConfidence?: number;
            logprobs?: boolean;
            structuredOutput?: boolean;
            temperature?: number;
            maxTokens?: number;
            /** @description Images judged at once per job */
            concurrency?: number;
        } | {
            /**
             * @description Reviewers through .../review/next
             * @enum {string}
             */
            kind: "human";
            leaseSeconds?: number;
        } | {
            /**
             * @description No judge: every predicted image is approved and its predictions become labels, unreviewed. Charges no review seconds and no tokens; agreement with the oracle is still measured where ground truth exists. The no-judge baseline of the study design
             * @enum {string}
             */
            kind: "accept-all";
        };
        Label: {
            id: number;
            projectId: number;
            imageId: number;
            categoryId: number;
            segmentation: components["schemas"]["Rle"];
            /** @description [x, y, width, height] */
            bbox: number[];
            area: number;
            iscrowd: boolean;
            height: number;
            width: number;
            /** @enum {string} */
            source: "import" | "human" | "approved_prediction";
            provenance: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            createdAt: string;
        };
        LabelList: {
            data: components["schemas"]["Label"][];
        };
        /** @description One page of a listing */
        LabelPage: {
            data: components["schemas"]["Label"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A project's Label Studio ML backend (the token is never returned) */
        LabelStudioIntegration: {
            projectId: number;
            /** @description Label Studio's base URL */
            url: string;
            settings: {
                /** @description The model version that predicts (default: the active one) */
                modelVersion: number | "active";
                /**
                 * @description Masks as Label Studio brush RLE (default) or polygons (outer rings, no holes)
                 * @enum {string}
                 */
                output: "brush" | "polygon";
                scoreThreshold?: number;
                judge?: components["schemas"]["JudgeConfig"];
                /** @description Webhook events after which a training job starts (default START_TRAINING) */
                trainOn: ("START_TRAINING" | "ANNOTATION_CREATED" | "ANNOTATION_UPDATED" | "ANNOTATION_DELETED")[];
                /** @description The training job to start (default small, from the base model) */
                training: {
                    /** @enum {string} */
                    preset: "tiny" | "small" | "resnet50-fpn";
                    hyper?: {
                        [key: string]: unknown;
                    };
                    seed?: number;
                    warmStart?: ("scratch" | "coco" | "base" | "active") | {
                        modelVersionId: number;
                    };
                };
                /** @description Share of tasks whose images join the val split (0.2) */
                valFraction: number;
            };
            /** @description The ML backend URL to give Label Studio, relative to this API */
            backendPath: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        LabelStudioIntegrationInput: {
            /** @description Label Studio's base URL, e.g. http://localhost:8080 */
            url: string;
            /** @description A Label Studio legacy API token (Authorization: Token ...) */
            token: string;
            settings?: {
                /** @description The model version that predicts (default: the active one) */
                modelVersion?: number | "active";
                /**
                 * @description Masks as Label Studio brush RLE (default) or polygons (outer rings, no holes)
                 * @enum {string}
                 */
                output?: "brush" | "polygon";
                scoreThreshold?: number;
                judge?: components["schemas"]["JudgeConfig"];
                /** @description Webhook events after which a training job starts (default START_TRAINING) */
                trainOn?: ("START_TRAINING" | "ANNOTATION_CREATED" | "ANNOTATION_UPDATED" | "ANNOTATION_DELETED")[];
                /** @description The training job to start (default small, from the base model) */
                training?: {
                    /** @enum {string} */
                    preset: "tiny" | "small" | "resnet50-fpn";
                    hyper?: {
                        [key: string]: unknown;
                    };
                    seed?: number;
                    warmStart?: ("scratch" | "coco" | "base" | "active") | {
                        modelVersionId: number;
                    };
                };
                /** @description Share of tasks whose images join the val split (0.2) */
                valFraction?: number;
            };
        };
        /** @description Label Studio tasks with pre-annotations, for its JSON import */
        LabelStudioTasks: {
            data: {
                [key: string]: unknown;
            };
            predictions: {
                model_version: string;
                score: number;
                result: {
                    [key: string]: unknown;
                }[];
            }[];
        }[];
        /** @description A model version with its metadata and lineage */
        ModelVersion: components["schemas"]["ModelVersionSummary"] & {
            /** @description The ONNX model's metadata.json */
            metadata: {
                [key: string]: unknown;
            };
            /** @description Ancestors by warm start, parent first */
            lineage: {
                id: number;
                parentId: number | null;
                trainingJobId: number | null;
                preset: string;
                metrics: {
                    [key: string]: number | null;
                };
                /** Format: date-time */
                createdAt: string;
            }[];
        };
        /** @description One page of a listing */
        ModelVersionPage: {
            data: components["schemas"]["ModelVersionSummary"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A model version as listed */
        ModelVersionSummary: {
            id: number;
            projectId: number;
            /** @description The version this one was warm-started from */
            parentId: number | null;
            trainingJobId: number | null;
            labelSnapshotId: number | null;
            preset: string;
            /** @description Resolved hyper-parameters */
            hyper: {
                [key: string]: unknown;
            };
            /** @description Val metrics of the exported (best) checkpoint: segmAP, segmAP50, bboxAP, ... */
            metrics: {
                [key: string]: number | null;
            };
            trainingSeconds: number;
            device: string;
            onnxSha256: string;
            onnxBytes: number;
            /** @description The PyTorch checkpoint warm starts use; null for uploaded models */
            checkpointSha256: string | null;
            active: boolean;
            /** Format: date-time */
            createdAt: string;
        };
        /** @description A predict-and-judge pass with its progress, counts and agreement */
        Pass: {
            id: number;
            projectId: number;
            modelVersionId: number;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed" | "cancelled";
            scoreThreshold: number;
            /**
             * @description What becomes labels. 'image' (default, the study's rule): the drawn predictions of an approved image. 'instance': also a rejected image with no missed object and at least one correct prediction: its correct predictions become labels and the others crowd (ignore) regions, which training learns neither as objects nor as background
             * @enum {string}
             */
            acceptance: "image" | "instance";
            /** @description The judge config (API key left out) */
            judge: {
                [key: string]: unknown;
            };
            /** @description The image selection */
            images: {
                [key: string]: unknown;
            };
            retry: {
                maxAttempts: number;
                baseDelayMs: number;
            };
            progress: {
                done: number;
                total: number;
                fraction: number;
            };
            /** @description approved + rejected + errored + awaitingReview + pending = images; abstained: images the machine judge sent to review */
            counts: {
                images: number;
                pending: number;
                predicted: number;
                approved: number;
                rejected: number;
                abstained: number;
                errored: number;
                awaitingReview: number;
                accepted: number;
            };
            /** @description Human review time charged (simulated or real) */
            reviewSeconds: number;
            agreement: {
                images: number;
                compared: number;
                confusion: {
                    bothApprove: number;
                    judgeApproveOracleReject: number;
                    judgeRejectOracleApprove: number;
                    bothReject: number;
                };
                judgeAbstained: number;
                judgeErrors: number;
                oracleUnavailable: number;
                accuracy: number | null;
                approvalPrecision: number | null;
                approvalRecall: number | null;
                kappa: number | null;
                perClass: {
                    [key: string]: {
                        instances: number;
                        agreed: number;
                        agreement: number | null;
                        kappa: number | null;
                        /** @description confusion[judge verdict][oracle verdict] */
                        confusion: {
                            [key: string]: {
                                [key: string]: number;
                            };
                        };
                    };
                };
            } | null;
            error: components["schemas"]["JobError"] | null;
            /** Format: date-time */
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description One image of a pass: its state and verdicts */
        PassImage: {
            imageId: number;
            /** @enum {string} */
            state: "pending" | "predicting" | "predicted" | "judging" | "judged" | "awaiting_review" | "errored";
            verdict: ("approve" | "reject" | "abstain" | "error") | null;
            abstained: boolean;
            /** @description Approved and its predictions became its labels */
            accepted: boolean;
            /** @description Judge tries that ended in a retryable error */
            tries: number;
            /** @description Claims so far (fencing token) */
            attempt: number;
            reviewSeconds: number;
            judgeVerdict: {
                [key: string]: unknown;
            } | null;
            reviewVerdict: {
                [key: string]: unknown;
            } | null;
            oracleVerdict: {
                [key: string]: unknown;
            } | null;
            error: {
                code: string;
                message: string;
                retryable: boolean;
                stage: string;
            } | null;
            judgedAt: string | null;
            /** @description Exactly the drawn instances */
            instances?: components["schemas"]["Prediction"][];
        };
        /** @description One page of a listing */
        PassImagePage: {
            data: components["schemas"]["PassImage"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description One page of a listing */
        PassPage: {
            data: components["schemas"]["Pass"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description The detections of one image, and the judgement when asked */
        PredictResult: {
            modelVersionId: number;
            /** @description after EXIF orientation */
            width: number;
            /** @description after EXIF orientation */
            height: number;
            scoreThreshold: number;
            detections: components["schemas"]["PredictedInstance"][];
            judgement?: {
                /** @enum {string} */
                verdict: "approve" | "reject" | "abstain" | "error";
                /** @description How sure the judge is that the predictions should be approved (1 - confidence for a rejection) */
                approvalConfidence: number | null;
                reason: string;
                missedObjects: number | null;
                judge: {
                    [key: string]: unknown;
                };
                latencyMs: number;
                error: {
                    code: string;
                    message: string;
                    retryable: boolean;
                } | null;
            };
            /** @description The judge's per-instance verdicts, when a judge was asked */
            verdicts?: {
                /** @description Index into detections */
                detection: number;
                /** @enum {string} */
                verdict: "correct" | "wrong_class" | "bad_mask" | "not_an_object";
                note?: string;
            }[];
            /** @description data:image/png;base64,... when overlay was asked */
            overlayUrl?: string;
        };
        /** @description Predict an image fetched from a URL */
        PredictUrlBody: {
            /** @description http(s) URL of the image */
            url: string;
            judge?: components["schemas"]["JudgeConfig"];
            /** @description Keep detections scoring at least this; default the model's */
            scoreThreshold?: number;
            /** @description Also return the Set-of-Mark overlay (as a data: URL) the judge is shown */
            overlay?: boolean;
        };
        /** @description One detection: class, score, box and mask (COCO RLE) */
        PredictedInstance: {
            categoryId: number;
            categoryName: string;
            score: number;
            /** @description [x, y, width, height] */
            bbox: number[];
            segmentation: components["schemas"]["Rle"];
            /** @description Mask pixels */
            area: number;
        };
        /** @description One predicted instance of a model version on an image, in a pass */
        Prediction: {
            id: number;
            passId: number;
            imageId: number;
            modelVersionId: number;
            categoryId: number;
            categoryName: string;
            score: number;
            /** @description [x, y, width, height] of the model's box */
            bbox: number[];
            segmentation: components["schemas"]["Rle"];
            area: number;
            drawnIndex: number | null;
            /** Format: date-time */
            createdAt: string;
        };
        /** @description One page of a listing */
        PredictionPage: {
            data: components["schemas"]["Prediction"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description RFC 9457 problem details */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            instance: string;
            /** @description One entry per offending field, `name` being a field name or JSON path */
            errors?: {
                name: string;
                detail: string;
            }[];
        };
        Project: {
            id: number;
            name: string;
            description: string | null;
            categories: components["schemas"]["Category"][];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description One page of a listing */
        ProjectPage: {
            data: components["schemas"]["Project"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description An image leased to the calling API key for review */
        ReviewItem: {
            imageId: number;
            overlayUrl: string;
            originalUrl: string;
            /** Format: date-time */
            leaseExpiresAt: string;
            /** @description Exactly the instances drawn on the overlay */
            instances: components["schemas"]["Prediction"][];
            judgeVerdict: {
                [key: string]: unknown;
            } | null;
        };
        ReviewItemList: {
            data: components["schemas"]["ReviewItem"][];
        };
        /** @description The reviewed image, and how many labels its verdict created */
        ReviewResult: components["schemas"]["PassImage"] & {
            labelsCreated: number;
        };
        /** @description A mask as COCO run-length encoding */
        Rle: {
            /** @description [height, width] */
            size: number[];
            /** @description COCO compressed RLE */
            counts: string;
        };
        /** @description A run; GET of one run includes its iterations */
        Run: {
            id: number;
            projectId: number;
            name: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "paused" | "succeeded" | "failed" | "cancelled";
            stopReason: ("iterations" | "min_approvals" | "plateau" | "budget" | "pool_empty" | "cancelled" | "error") | null;
            /** @description The request with every default filled in */
            config: {
                [key: string]: unknown;
            };
            iteration: number;
            error: components["schemas"]["JobError"] | null;
            cost: components["schemas"]["CostSummary"];
            /** Format: date-time */
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
            /** Format: date-time */
            updatedAt: string;
            iterations?: components["schemas"]["RunIteration"][];
        };
        /** @description One row of the cost ledger: one iteration and kind */
        RunCost: {
            iteration: number;
            /** @enum {string} */
            kind: "annotation" | "review" | "vlm" | "training";
            quantity: number;
            unit: string;
            seconds: number;
            usd: number;
            detail: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            createdAt: string;
        };
        /** @description The cost ledger of a run and its sum */
        RunCosts: {
            data: components["schemas"]["RunCost"][];
            total: components["schemas"]["CostSummary"];
        };
        /** @description One iteration: its children, results and costs */
        RunIteration: {
            iteration: number;
            /** @enum {string} */
            status: "pending" | "running" | "completed" | "stopped";
            /**
             * @description The step it is at; done once closed
             * @enum {string}
             */
            step: "select" | "pass" | "train" | "evaluate" | "close" | "done";
            trainingJobId: number | null;
            modelVersionId: number | null;
            evaluationId: number | null;
            passId: number | null;
            trainImages: number | null;
            approved: number | null;
            accepted: number | null;
            rejected: number | null;
            abstained: number | null;
            errors: number | null;
            metrics: ({
                segmAP: number | null;
                segmAP50: number | null;
                segmAP75: number | null;
                bboxAP?: number | null;
                bboxAP50?: number | null;
                bboxAP75?: number | null;
                perCategory: {
                    id: number;
                    name: string;
                    ap: number | null;
                    ap50: number | null;
                }[];
            } & {
                [key: string]: unknown;
            }) | null;
            agreement: {
                [key: string]: unknown;
            } | null;
            cost: components["schemas"]["CostSummary"] | null;
            cumulativeCost: components["schemas"]["CostSummary"] | null;
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
        };
        RunIterationList: {
            data: components["schemas"]["RunIteration"][];
        };
        /** @description One page of a listing */
        RunPage: {
            data: components["schemas"]["Run"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A training job: its label snapshot, status and progress */
        TrainingJob: {
            id: number;
            projectId: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            preset: string;
            hyper: {
                [key: string]: unknown;
            };
            seed: number;
            warmStart: {
                /** @enum {string} */
                type: "scratch" | "coco" | "base" | "model-version";
                modelVersionId: number | null;
            };
            /** @description The labelled train/val pool frozen when the job was created */
            labelSnapshot: {
                id: number;
                trainImages: number;
                valImages: number;
                labels: number;
            };
            progress: {
                /** @description preparing | training | exporting | finished */
                phase?: string;
                device?: string;
                iteration?: number;
                totalIterations?: number;
                epoch?: number;
                losses?: {
                    [key: string]: number | null;
                };
                lr?: number;
                imagesPerSecond?: number;
                etaSeconds?: number;
                lastEvaluation?: {
                    iteration: number;
                    metrics: {
                        [key: string]: number | null;
                    };
                } & {
                    [key: string]: unknown;
                };
                lastCheckpoint?: {
                    iteration: number;
                    reason: string;
                    /** Format: date-time */
                    time: string;
                };
                runs?: {
                    attempt: number;
                    workerId: string;
                    device: string;
                    /** @description > 0: resumed from a checkpoint */
                    startIteration: number;
                    /** Format: date-time */
                    startedAt: string;
                }[];
            } & {
                [key: string]: unknown;
            };
            error: components["schemas"]["JobError"] | null;
            /** @description How many times a worker took the job (resumes count) */
            attempt: number;
            workerId: string | null;
            modelVersionId: number | null;
            /** Format: date-time */
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description One page of a listing */
        TrainingJobPage: {
            data: components["schemas"]["TrainingJob"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        UploadedImage: components["schemas"]["Image"] & {
            /** @description these bytes were already stored */
            duplicate: boolean;
        };
        /** @description The model version an upload created */
        UploadedModelVersion: {
            id: number;
            projectId: number;
            /** @description `uploaded` */
            preset: string;
            onnxSha256: string;
            onnxBytes: number;
            /** @description categories [{label, id, name}], scoreThreshold, maskThreshold */
            metadata: {
                [key: string]: unknown;
            };
            active: boolean;
            /** Format: date-time */
            createdAt: string;
        };
        /** @description Private hosts and networks the project's URL imports and CVAT connection may reach on purpose */
        UrlAllowList: {
            data: {
                entry: string;
                /** Format: date-time */
                createdAt: string;
            }[];
        };
        /** @description A header (e.g. Authorization) for one source; used for this request only, never stored */
        UrlCredential: {
            /**
             * Format: uri
             * @description Sent with URLs of the same origin whose path starts with this one
             */
            urlPrefix: string;
            header: string;
            value: string;
        };
        /** @description A webhook endpoint; its secrets are shown only by hint */
        Webhook: {
            id: number;
            projectId: number;
            url: string;
            description: string | null;
            eventTypes: string[];
            enabled: boolean;
            disabledAt: string | null;
            disabledReason: string | null;
            /** @description Failed attempts since the last success */
            consecutiveFailures: number;
            failingSince: string | null;
            /** @description Secrets that sign now, newest first; an old one keeps signing until expiresAt */
            secrets: {
                hint: string;
                /** Format: date-time */
                createdAt: string;
                expiresAt: string | null;
            }[];
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description One event sent to one endpoint, with its attempts */
        WebhookDelivery: {
            id: number;
            webhookId: number;
            eventId: number;
            eventType: string;
            redeliveryOf: number | null;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed";
            attempts: number;
            nextAttemptAt: string | null;
            lastAttemptAt: string | null;
            lastStatusCode: number | null;
            lastError: string | null;
            responseExcerpt: string | null;
            lastDurationMs: number | null;
            deliveredAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description One page of a listing */
        WebhookDeliveryPage: {
            data: components["schemas"]["WebhookDelivery"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A delivery with the body it sends */
        WebhookDeliveryWithPayload: components["schemas"]["WebhookDelivery"] & {
            /** @description The JSON body every attempt sends */
            payload: {
                type: string;
                /** Format: date-time */
                timestamp: string;
                data: {
                    [key: string]: unknown;
                };
            };
        };
        /** @description One page of a listing */
        WebhookPage: {
            data: components["schemas"]["Webhook"][];
            /** @description Pass as `cursor` for the next page; null on the last page */
            nextCursor: string | null;
        };
        /** @description A webhook endpoint with its new signing secret */
        WebhookWithSecret: components["schemas"]["Webhook"] & {
            /** @description whsec_...: shown only in this response */
            secret: string;
        };
        Worker: {
            id: string;
            hostname: string;
            pid: number;
            /** @description `cpu` or `cuda:<index>` */
            devices: string[];
            slots: number;
            freeSlots: number;
            queues: string[];
            currentJobs: ({
                /** @description -1 for jobs that take no device slot */
                slot: number;
                device: string;
                queue: string;
                queueJobId: string;
                /** Format: date-time */
                startedAt: string;
                trainingJobId?: number;
                trainerPid?: number;
            } & {
                [key: string]: unknown;
            })[];
            /** Format: date-time */
            startedAt: string;
            /** Format: date-time */
            lastHeartbeatAt: string;
        };
        WorkerList: {
            data: components["schemas"]["Worker"][];
        };
    };
    responses: {
        /** @description The request is malformed or a parameter is invalid */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No API key, or an unknown or revoked one */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The API key may not do this, or not in this project */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such resource, or none in this project */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The resource is not in a state that allows this */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body, a file or the number of files is over a limit */
        ContentTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body or a file is of a type this route does not take */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request is well-formed but its content is refused */
        UnprocessableContent: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        ProjectId: number;
        Limit: number;
        /** @description nextCursor of the previous page */
        Cursor: string;
        CategoryId: number;
        Split: "train" | "val" | "test";
        PoolState: "labeled" | "unlabeled";
        ImageId: number;
        Source: "import" | "human" | "approved_prediction";
        ExportId: number;
        JobId: number;
        VersionId: number;
        WebhookId: number;
        DeliveryId: number;
        PassId: number;
        RunId: number;
        /** @description Comma-separated run ids, at most 20: one line per run */
        RunIds: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    labelStudioHealth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    labelStudioMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    labelStudioSetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    labelStudioPredict: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    labelStudioWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    labelStudioTrain: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listApiKeys: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    projectId?: number | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                keyId: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listProjects: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createProject: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string | null;
                    categories?: components["schemas"]["CategoryInput"][];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    deleteProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    updateProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createCategories: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    categories: components["schemas"]["CategoryInput"][];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Category"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    deleteCategory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                categoryId: components["parameters"]["CategoryId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    updateCategory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                categoryId: components["parameters"]["CategoryId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    supercategory?: string | null;
                    color?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Category"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listImages: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                split?: components["parameters"]["Split"];
                poolState?: components["parameters"]["PoolState"];
                labelSource?: "import" | "human" | "approved_prediction" | "none";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    uploadImages: {
        parameters: {
            query?: {
                split?: components["parameters"]["Split"];
                poolState?: components["parameters"]["PoolState"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    files: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageUploadResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    updateImages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: number[];
                    /** @enum {string} */
                    split?: "train" | "val" | "test";
                    /** @enum {string} */
                    poolState?: "labeled" | "unlabeled";
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getImageOriginal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The bytes as uploaded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": string;
                    "image/png": string;
                    "image/webp": string;
                    "image/tiff": string;
                };
            };
            /** @description Found: the Location header is a presigned URL of the bytes, valid for a few minutes */
            302: {
                headers: {
                    location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createLabels: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    labels: {
                        categoryId: number;
                        /** @description COCO segmentation: polygons [[x1,y1,...]], uncompressed RLE {size,counts:[...]}, or compressed RLE */
                        segmentation: unknown;
                        iscrowd?: boolean;
                        /**
                         * @default human
                         * @enum {string}
                         */
                        source?: "human" | "import";
                        provenance?: {
                            [key: string]: unknown;
                        };
                    }[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listLabels: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                imageId?: number;
                source?: components["parameters"]["Source"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    deleteLabel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                labelId: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    importCoco: {
        parameters: {
            query?: {
                createCategories?: boolean;
                source?: "import" | "human";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description COCO instances JSON
                     */
                    annotations: string;
                    files?: string[];
                };
            };
        };
        responses: {
            /** @description What a COCO import stored */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CocoImportResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    exportCoco: {
        parameters: {
            query?: {
                split?: components["parameters"]["Split"];
                poolState?: components["parameters"]["PoolState"];
                source?: components["parameters"]["Source"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The COCO instances file (streamed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listEvaluations: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EvaluationPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createEvaluation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    split: "train" | "val" | "test";
                    /** @enum {string} */
                    iouType?: "segm" | "bbox";
                    modelVersionId?: number;
                    results?: {
                        image_id: number;
                        category_id: number;
                        score: number;
                        segmentation?: components["schemas"]["Rle"];
                        bbox?: number[];
                    }[];
                };
            };
        };
        responses: {
            /** @description A COCO evaluation: its inputs and, once completed, its stats */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Evaluation"];
                };
            };
            /** @description A COCO evaluation: its inputs and, once completed, its stats */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Evaluation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getEvaluation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                evaluationId: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A COCO evaluation: its inputs and, once completed, its stats */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Evaluation"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listExports: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExportPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    split?: "train" | "val" | "test";
                    /** @enum {string} */
                    poolState?: "labeled" | "unlabeled";
                    /** @enum {string} */
                    source?: "import" | "human" | "approved_prediction";
                };
            };
        };
        responses: {
            /** @description A COCO export written in the background */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Export"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                exportId: components["parameters"]["ExportId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A COCO export written in the background */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Export"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    downloadExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                exportId: components["parameters"]["ExportId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The COCO instances file (streamed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listTrainingJobs: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrainingJobPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createTrainingJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description tiny: tests only; small: CPU from scratch; resnet50-fpn: torchvision Mask R-CNN (GPU)
                     * @default small
                     * @enum {string}
                     */
                    preset?: "tiny" | "small" | "resnet50-fpn";
                    /** @description Overrides of the preset hyper-parameters (see schema/train-job-spec.schema.json, `hyper`) */
                    hyper?: {
                        [key: string]: unknown;
                    };
                    /**
                     * @description 'base': the preset's pretrained base model (trainer/base/<preset>-base.pt, pretrained on shapes disjoint from the built-in classes; class heads replaced); 'active': the project's active model version
                     * @default scratch
                     */
                    warmStart?: ("scratch" | "coco" | "base" | "active") | {
                        modelVersionId: number;
                    };
                    /** @default 0 */
                    seed?: number;
                };
            };
        };
        responses: {
            /** @description A training job: its label snapshot, status and progress */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrainingJob"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getTrainingJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                jobId: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A training job: its label snapshot, status and progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrainingJob"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    cancelTrainingJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                jobId: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A training job: its label snapshot, status and progress */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrainingJob"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listModelVersions: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelVersionPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getModelVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                versionId: components["parameters"]["VersionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A model version with its metadata and lineage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelVersion"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    activateModelVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                versionId: components["parameters"]["VersionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A model version with its metadata and lineage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelVersion"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    downloadModelVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                versionId: components["parameters"]["VersionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The ONNX model */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description Found: the Location header is a presigned URL of the bytes, valid for a few minutes */
            302: {
                headers: {
                    location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listWorkers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkerList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * Format: uri
                     * @description http(s); private addresses are refused
                     */
                    url: string;
                    eventTypes: ("images.uploaded" | "pass.completed" | "pass.failed" | "verdicts.ready" | "training.started" | "training.completed" | "training.failed" | "model.activated" | "run.iteration.completed" | "run.completed" | "export.ready" | "webhook.endpoint.disabled")[];
                    description?: string | null;
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description A webhook endpoint with its new signing secret */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A webhook endpoint; its secrets are shown only by hint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * Format: uri
                     * @description http(s); private addresses are refused
                     */
                    url?: string;
                    eventTypes?: ("images.uploaded" | "pass.completed" | "pass.failed" | "verdicts.ready" | "training.started" | "training.completed" | "training.failed" | "model.activated" | "run.iteration.completed" | "run.completed" | "export.ready" | "webhook.endpoint.disabled")[];
                    description?: string | null;
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description A webhook endpoint; its secrets are shown only by hint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Default 86400 (one day) */
                    overlapSeconds?: number;
                };
            };
        };
        responses: {
            /** @description A webhook endpoint with its new signing secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    pingWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One event sent to one endpoint, with its attempts */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                status?: "pending" | "succeeded" | "failed";
                eventId?: number;
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
                deliveryId: components["parameters"]["DeliveryId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A delivery with the body it sends */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryWithPayload"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    redeliverWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                webhookId: components["parameters"]["WebhookId"];
                deliveryId: components["parameters"]["DeliveryId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One event sent to one endpoint, with its attempts */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDelivery"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    uploadModelVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description torchvision Mask R-CNN ONNX export
                     */
                    model: string;
                    /** @description JSON: {"categories": [{"label": 1, "categoryId": 7}], "scoreThreshold": 0.5, "maskThreshold": 0.5} */
                    metadata: string;
                };
            };
        };
        responses: {
            /** @description The model version an upload created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadedModelVersion"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    predictImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                /** @description A model version id, or `active` */
                version: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description JPEG, PNG, WebP or TIFF
                     */
                    image: string;
                    /** @description JSON: a JudgeConfig (vlm or accept-all) */
                    judge?: string;
                    scoreThreshold?: number;
                    overlay?: boolean;
                };
                "application/json": components["schemas"]["PredictUrlBody"];
            };
        };
        responses: {
            /** @description The detections of one image, and the judgement when asked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listPasses: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                status?: "queued" | "running" | "completed" | "failed" | "cancelled";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PassPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createPass: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    modelVersionId?: number;
                    /** @description Default: the unlabelled pool of the train split */
                    images?: {
                        filter?: {
                            /** @enum {string} */
                            split?: "train" | "val" | "test";
                            /** @enum {string} */
                            poolState?: "labeled" | "unlabeled";
                        };
                        ids?: number[];
                    };
                    judge: components["schemas"]["JudgeConfig"];
                    /** @description The ONE threshold for what is drawn, listed, judged and accepted; default: the model's */
                    scoreThreshold?: number;
                    /**
                     * @description What becomes labels. 'image' (default, the study's rule): the drawn predictions of an approved image. 'instance': also a rejected image with no missed object and at least one correct prediction: its correct predictions become labels and the others crowd (ignore) regions, which training learns neither as objects nor as background
                     * @enum {string}
                     */
                    acceptance?: "image" | "instance";
                    /** @description Judge tries per image on retryable errors, with backoff */
                    retry?: {
                        /** @default 3 */
                        maxAttempts?: number;
                        /** @default 5000 */
                        baseDelayMs?: number;
                    };
                };
            };
        };
        responses: {
            /** @description A predict-and-judge pass with its progress, counts and agreement */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pass"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getPass: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A predict-and-judge pass with its progress, counts and agreement */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pass"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    cancelPass: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A predict-and-judge pass with its progress, counts and agreement */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Pass"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listPassImages: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                state?: "pending" | "predicting" | "predicted" | "judging" | "judged" | "awaiting_review" | "errored";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PassImagePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getPassImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One image of a pass: its state and verdicts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PassImage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getPassImageOverlay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The overlay (PNG); x-drawn-instances: how many it draws */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getPredictionOverlay: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                predictionId: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The overlay (PNG); x-drawn-instances: how many it draws */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listImagePredictions: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                passId?: number;
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictionPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    leaseReviewItems: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItemList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    submitReview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    verdict: "approve" | "reject";
                    /** @description Per drawn instance; unmentioned ones of an approved image are correct */
                    instances?: {
                        index: number;
                        /** @enum {string} */
                        verdict: "correct" | "wrong_class" | "bad_mask" | "not_an_object";
                        note?: string;
                    }[];
                    /** @description Objects the model did not find. Under the pass's 'instance' acceptance, a rejected image with 0 and at least one correct instance is accepted in part; unset: not accepted */
                    missedObjects?: number;
                    reason?: string;
                    /** @description Default: the time since the image was leased */
                    reviewSeconds?: number;
                };
            };
        };
        responses: {
            /** @description The reviewed image, and how many labels its verdict created */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    withdrawReview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
                imageId: components["parameters"]["ImageId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An image leased to the calling API key for review */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItem"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listRuns: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description nextCursor of the previous page */
                cursor?: components["parameters"]["Cursor"];
                status?: "queued" | "running" | "paused" | "succeeded" | "failed" | "cancelled";
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of a listing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    createRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    /** @description The initial labelled set, charged as human annotation. Default: { fraction: 0.2, seed: 1 } */
                    initialLabels?: {
                        /** @description Share of the train images with ground truth labelled with it; the rest become the pool (1: all of them, only with iterations 0) */
                        fraction: number;
                        /** @description Which images (1) */
                        seed?: number;
                    } | {
                        /**
                         * @description Start from what is labelled now
                         * @enum {boolean}
                         */
                        existing: true;
                    };
                    /** @description Iteration 0 uses this model version instead of training one: a version of the project trained from scratch with this run's training settings on exactly the initial set `initialLabels` chooses (else 422). Charged as the original training (ledger detail reusedFromTrainingJobId) */
                    initialModel?: {
                        modelVersionId: number;
                    };
                    /** @description Loop iterations after iteration 0 (3) */
                    iterations?: number;
                    judge?: components["schemas"]["JudgeConfig"];
                    /** @description Predictions drawn, judged and accepted (0.5) */
                    scoreThreshold?: number;
                    /**
                     * @description What becomes labels. 'image' (default, the study's rule): the drawn predictions of an approved image. 'instance': also a rejected image with no missed object and at least one correct prediction: its correct predictions become labels and the others crowd (ignore) regions, which training learns neither as objects nor as background
                     * @enum {string}
                     */
                    acceptance?: "image" | "instance";
                    training?: {
                        /**
                         * @description tiny: tests only; small: CPU from scratch; resnet50-fpn: torchvision Mask R-CNN (GPU)
                         * @enum {string}
                         */
                        preset?: "tiny" | "small" | "resnet50-fpn";
                        /** @description Passed to every training job (see schema/train-job-spec.schema.json, `hyper`) */
                        hyper?: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description previous: from the last iteration's model version (default); scratch: every time anew
                         * @enum {string}
                         */
                        warmStart?: "previous" | "scratch";
                        /**
                         * @description Where a model not warm-started from the previous iteration starts (iteration 0, and every iteration with warmStart scratch): scratch (default) or base, the preset's pretrained base model with its class heads replaced
                         * @enum {string}
                         */
                        init?: "scratch" | "base";
                        seed?: number;
                    };
                    stop?: {
                        /** @description Stop when a pass approves fewer images than this (1) */
                        minApprovals?: number;
                        plateau?: {
                            patience?: number;
                            minDelta?: number;
                        } | null;
                        budgetHours?: number | null;
                    };
                    cost?: {
                        annotationSecondsPerImage?: number;
                        annotationSecondsPerInstance?: number;
                        reviewSecondsPerImage?: number;
                        /** @description Marking one wrong mask of an image accepted in part ('instance' acceptance; 2) */
                        reviewSecondsPerFlaggedInstance?: number;
                        vlmUsdPerMillionInputTokens?: number;
                        vlmUsdPerMillionOutputTokens?: number;
                        humanUsdPerHour?: number;
                        computeUsdPerHour?: {
                            cpu?: number;
                            gpu?: number;
                        };
                    };
                };
            };
        };
        responses: {
            /** @description A run; GET of one run includes its iterations */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A run; GET of one run includes its iterations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    pauseRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A run; GET of one run includes its iterations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    resumeRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A run; GET of one run includes its iterations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    cancelRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A run; GET of one run includes its iterations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listRunIterations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunIterationList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getRunCosts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cost ledger of a run and its sum */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunCosts"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getRunLearningCurveSvg: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The curve (SVG) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getLearningCurvesSvg: {
        parameters: {
            query: {
                /** @description Comma-separated run ids, at most 20: one line per run */
                runIds: components["parameters"]["RunIds"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The curves (SVG) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getRunLearningCurvePng: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                runId: components["parameters"]["RunId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The curve (PNG) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getLearningCurvesPng: {
        parameters: {
            query: {
                /** @description Comma-separated run ids, at most 20: one line per run */
                runIds: components["parameters"]["RunIds"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The curves (PNG) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    importImagesFromUrls: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    urls: string[];
                    credentials?: components["schemas"]["UrlCredential"][];
                    /** @enum {string} */
                    split?: "train" | "val" | "test";
                    /** @enum {string} */
                    poolState?: "labeled" | "unlabeled";
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageUploadResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getUrlAllowList: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Private hosts and networks the project's URL imports and CVAT connection may reach on purpose */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UrlAllowList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    replaceUrlAllowList: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    entries: string[];
                };
            };
        };
        responses: {
            /** @description Private hosts and networks the project's URL imports and CVAT connection may reach on purpose */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UrlAllowList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    exportPassCocoResults: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description COCO results (streamed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    }[];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    exportModelVersionCocoResults: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                versionId: components["parameters"]["VersionId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description COCO results (streamed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    }[];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    exportCvatCoco: {
        parameters: {
            query?: {
                split?: components["parameters"]["Split"];
                poolState?: components["parameters"]["PoolState"];
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description COCO 1.0 (streamed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getCvatConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A project's CVAT server; the token and webhook secret are not shown */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CvatConnection"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    connectCvat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uri */
                    baseUrl: string;
                    authHeader?: {
                        name: string;
                        value: string;
                    } | null;
                    onJobCompleted?: {
                        /** @description Start a training job once the annotations are in */
                        train: boolean;
                        /** @enum {string} */
                        preset?: "tiny" | "small" | "resnet50-fpn";
                        hyper?: {
                            [key: string]: unknown;
                        };
                        warmStart?: ("scratch" | "coco" | "base" | "active") | {
                            modelVersionId: number;
                        };
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CvatConnectionCreated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    disconnectCvat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    listCvatImports: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data: components["schemas"]["CvatImport"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getCvatImport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                importId: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A completed CVAT job's annotations pulled in, and the training it started */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CvatImport"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    receiveCvatWebhook: {
        parameters: {
            query?: never;
            header?: {
                "x-signature-256"?: string;
            };
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CvatWebhookOutcome"];
                };
            };
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CvatWebhookOutcome"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    getLabelStudioIntegration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A project's Label Studio ML backend (the token is never returned) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelStudioIntegration"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    putLabelStudioIntegration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LabelStudioIntegrationInput"];
            };
        };
        responses: {
            /** @description A project's Label Studio ML backend (the token is never returned) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelStudioIntegration"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    deleteLabelStudioIntegration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
    exportPassLabelStudioTasks: {
        parameters: {
            query?: {
                output?: "brush" | "polygon";
                /** @description The mask tag's name (label) */
                fromName?: string;
                /** @description The Image tag name and data key (image) */
                toName?: string;
                imageUrl?: string;
            };
            header?: never;
            path: {
                projectId: components["parameters"]["ProjectId"];
                passId: components["parameters"]["PassId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Label Studio tasks with pre-annotations, for its JSON import */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelStudioTasks"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            422: components["responses"]["UnprocessableContent"];
        };
    };
}
