import { useRef, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.ts';
import { useProjectEvents } from '../live.ts';
import { ErrorBox, fmt, Progress, useLoad } from '../ui.tsx';

type Version = Schemas['ModelVersionSummary'];
type Job = Schemas['TrainingJob'];

/** Model versions with lineage and metrics, activation, and training jobs with live progress. */
export function ModelsPage({ projectId }: { projectId: number }) {
  const reload = useRef(() => {});
  const live = useProjectEvents(projectId, (e) => {
    if (e.type.startsWith('training.') || e.type.startsWith('model')) reload.current();
  });
  const params = { params: { path: { projectId }, query: { limit: 100 } } };
  const data = useLoad(
    async () => {
      const [versions, jobs] = await Promise.all([
        ok(api.GET('/v1/projects/{projectId}/model-versions', params)),
        ok(api.GET('/v1/projects/{projectId}/training-jobs', params)),
      ]);
      return { versions: versions.data, jobs: jobs.data };
    },
    [projectId],
    live ? undefined : 5000,
  );
  reload.current = data.reload;
  const [error, setError] = useState<unknown>();
  const activate = async (versionId: number) => {
    setError(undefined);
    try {
      await ok(
        api.POST('/v1/projects/{projectId}/model-versions/{versionId}/activate', {
          params: { path: { projectId, versionId } },
        }),
      );
      data.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <h1>Models</h1>
      <ErrorBox error={data.error} />
      <ErrorBox error={error} />
      <Versions versions={data.data?.versions ?? []} onActivate={activate} />
      <Jobs jobs={data.data?.jobs ?? []} />
      <TrainForm projectId={projectId} onStarted={data.reload} />
    </section>
  );
}

function Versions({ versions, onActivate }: { versions: Version[]; onActivate: (id: number) => void }) {
  if (versions.length === 0) return <p>No model version yet.</p>;
  return (
    <table class="versions">
      <caption>Model versions</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Warm-started from</th>
          <th scope="col">Training job</th>
          <th scope="col">Preset</th>
          <th scope="col">Val mask AP</th>
          <th scope="col">Val box AP</th>
          <th scope="col">Training</th>
          <th scope="col">Active</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id} data-version={v.id}>
            <th scope="row">{v.id}</th>
            <td>{v.parentId ? `version ${v.parentId}` : '—'}</td>
            <td>{v.trainingJobId ?? 'uploaded'}</td>
            <td>{v.preset}</td>
            <td>{fmt(v.metrics.segmAP)}</td>
            <td>{fmt(v.metrics.bboxAP)}</td>
            <td>
              {fmt(v.trainingSeconds, 0)} s on {v.device}
            </td>
            <td>
              {v.active ? (
                <strong>active</strong>
              ) : (
                <button
                  type="button"
                  onClick={() => onActivate(v.id)}
                  aria-label={`Activate version ${v.id}`}
                >
                  Activate
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Jobs({ jobs }: { jobs: Job[] }) {
  if (jobs.length === 0) return null;
  return (
    <table class="jobs">
      <caption>Training jobs</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Status</th>
          <th scope="col">Phase</th>
          <th scope="col">Progress</th>
          <th scope="col">Loss</th>
          <th scope="col">ETA</th>
          <th scope="col">Labels</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => {
          const p = j.progress;
          const fraction = p.totalIterations
            ? (p.iteration ?? 0) / p.totalIterations
            : j.status === 'succeeded'
              ? 1
              : 0;
          return (
            <tr key={j.id} data-job={j.id}>
              <th scope="row">{j.id}</th>
              <td class="job-status">{j.status}</td>
              <td>{p.phase ?? '—'}</td>
              <td>
                <Progress value={fraction} label={`Training job ${j.id}`} /> {p.iteration ?? 0}/
                {p.totalIterations ?? '?'}
              </td>
              <td>{fmt(p.losses?.loss ?? null)}</td>
              <td>{p.etaSeconds !== undefined ? `${Math.round(p.etaSeconds)} s` : '—'}</td>
              <td>
                {j.labelSnapshot.trainImages} train / {j.labelSnapshot.valImages} val
              </td>
              <td>{j.modelVersionId ?? '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function TrainForm({ projectId, onStarted }: { projectId: number; onStarted: () => void }) {
  const [preset, setPreset] = useState('small');
  const [warmStart, setWarmStart] = useState('base');
  const [hyper, setHyper] = useState('{}');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await ok(
        api.POST('/v1/projects/{projectId}/training-jobs', {
          params: { path: { projectId } },
          body: {
            preset: preset as 'tiny' | 'small' | 'resnet50-fpn',
            warmStart: warmStart as 'scratch' | 'base' | 'active',
            hyper: JSON.parse(hyper || '{}'),
          },
        }),
      );
      onStarted();
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`Hyper-parameters are not JSON: ${err.message}`) : err);
    }
  };
  return (
    <form class="grid" onSubmit={submit} aria-labelledby="train-title">
      <h2 id="train-title" class="span-all">
        Train a new version
      </h2>
      <label for="train-preset">Preset</label>
      <select id="train-preset" value={preset} onChange={(e) => setPreset(e.currentTarget.value)}>
        <option value="tiny">tiny (tests)</option>
        <option value="small">small (CPU)</option>
        <option value="resnet50-fpn">resnet50-fpn (GPU)</option>
      </select>
      <label for="train-warm">Start from</label>
      <select id="train-warm" value={warmStart} onChange={(e) => setWarmStart(e.currentTarget.value)}>
        <option value="base">the shipped base model</option>
        <option value="scratch">scratch</option>
        <option value="active">the active version</option>
      </select>
      <label for="train-hyper">Hyper-parameters (JSON)</label>
      <textarea id="train-hyper" rows={2} value={hyper} onInput={(e) => setHyper(e.currentTarget.value)} />
      <span />
      <button type="submit" class="primary">
        Start training
      </button>
      <div class="span-all">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}
