import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api.ts';
import { Curve } from '../curve.tsx';
import { navigate } from '../router.ts';
import { ErrorBox, fmt, Link, useLoad } from '../ui.tsx';

type Run = Schemas['Run'];
type Iteration = Schemas['RunIteration'];

const FINISHED = ['succeeded', 'failed', 'cancelled'];
const isFinished = (run?: Run) => run !== undefined && FINISHED.includes(run.status);

/** The project's runs and the form that starts one. */
export function RunsPage({ projectId }: { projectId: number }) {
  const runs = useLoad(
    () =>
      ok(
        api.GET('/v1/projects/{projectId}/runs', { params: { path: { projectId }, query: { limit: 100 } } }),
      ),
    [projectId],
    3000,
  );
  return (
    <section>
      <h1>Runs</h1>
      <ErrorBox error={runs.error} />
      {runs.data && runs.data.data.length === 0 && <p>No run yet.</p>}
      {runs.data && runs.data.data.length > 0 && (
        <table>
          <caption>Runs of this project</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Iteration</th>
              <th scope="col">Human hours</th>
              <th scope="col">Total USD</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/projects/${projectId}/runs/${r.id}`}>{r.name ?? `run ${r.id}`}</Link>
                </td>
                <td>{r.status}</td>
                <td>{r.iteration}</td>
                <td>{fmt(r.cost.humanHours)}</td>
                <td>{fmt(r.cost.totalUsd, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RunForm projectId={projectId} />
    </section>
  );
}

type JudgeKind = 'oracle' | 'simulated' | 'accept-all' | 'human' | 'vlm';

/** Every field of the run request a person usually sets; the rest keep the server's defaults. */
function RunForm({ projectId }: { projectId: number }) {
  const [f, setF] = useState({
    name: '',
    judge: 'oracle' as JudgeKind,
    falseApproveRate: '0.1',
    falseRejectRate: '0.1',
    fraction: '0.2',
    iterations: '3',
    preset: 'small',
    scoreThreshold: '0.5',
    hyper: '{}',
    minApprovals: '1',
    plateauPatience: '',
    budgetHours: '',
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) =>
    setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    let hyper: Record<string, unknown>;
    try {
      hyper = JSON.parse(f.hyper || '{}');
    } catch (err) {
      setError(new Error(`Hyper-parameters are not JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const run = await ok(
        api.POST('/v1/projects/{projectId}/runs', {
          params: { path: { projectId } },
          body: {
            ...(f.name && { name: f.name }),
            initialLabels: { fraction: Number(f.fraction) },
            iterations: Number(f.iterations),
            judge: judgeConfig(f.judge, Number(f.falseApproveRate), Number(f.falseRejectRate)),
            scoreThreshold: Number(f.scoreThreshold),
            training: { preset: f.preset as 'tiny' | 'small' | 'resnet50-fpn', hyper },
            stop: {
              minApprovals: Number(f.minApprovals),
              ...(f.plateauPatience && { plateau: { patience: Number(f.plateauPatience) } }),
              ...(f.budgetHours && { budgetHours: Number(f.budgetHours) }),
            },
          },
        }),
      );
      navigate(`/projects/${projectId}/runs/${run.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="grid" onSubmit={submit} aria-labelledby="run-form-title">
      <h2 id="run-form-title" class="span-all">
        Start a run
      </h2>
      <label for="run-name">Name</label>
      <input id="run-name" value={f.name} onInput={set('name')} />
      <label for="run-judge">Judge</label>
      <select id="run-judge" value={f.judge} onChange={set('judge')}>
        <option value="oracle">oracle (simulated perfect reviewer)</option>
        <option value="simulated">simulated reviewer with error rates</option>
        <option value="accept-all">accept all (no judge)</option>
        <option value="human">people (review queue)</option>
        <option value="vlm">VLM (server's VLM_* endpoint)</option>
      </select>
      {f.judge === 'simulated' && (
        <fieldset>
          <legend>Simulated reviewer</legend>
          <label for="run-far">False approve rate</label>
          <input
            id="run-far"
            type="number"
            step="0.01"
            min="0"
            max="1"
            value={f.falseApproveRate}
            onInput={set('falseApproveRate')}
          />
          <label for="run-frr">False reject rate</label>
          <input
            id="run-frr"
            type="number"
            step="0.01"
            min="0"
            max="1"
            value={f.falseRejectRate}
            onInput={set('falseRejectRate')}
          />
        </fieldset>
      )}
      <label for="run-fraction">Initial labelled fraction</label>
      <input
        id="run-fraction"
        type="number"
        step="0.01"
        min="0"
        max="1"
        value={f.fraction}
        onInput={set('fraction')}
      />
      <label for="run-iterations">Iterations</label>
      <input id="run-iterations" type="number" min="0" value={f.iterations} onInput={set('iterations')} />
      <label for="run-preset">Training preset</label>
      <select id="run-preset" value={f.preset} onChange={set('preset')}>
        <option value="tiny">tiny (tests)</option>
        <option value="small">small (CPU)</option>
        <option value="resnet50-fpn">resnet50-fpn (GPU)</option>
      </select>
      <label for="run-threshold">Score threshold</label>
      <input
        id="run-threshold"
        type="number"
        step="0.01"
        min="0"
        max="1"
        value={f.scoreThreshold}
        onInput={set('scoreThreshold')}
      />
      <label for="run-hyper">Hyper-parameters (JSON)</label>
      <textarea id="run-hyper" rows={2} value={f.hyper} onInput={set('hyper')} />
      <fieldset>
        <legend>Stop rules</legend>
        <label for="run-min-approvals">Stop below this many approvals</label>
        <input
          id="run-min-approvals"
          type="number"
          min="0"
          value={f.minApprovals}
          onInput={set('minApprovals')}
        />
        <label for="run-plateau">Plateau patience (iterations, empty: off)</label>
        <input
          id="run-plateau"
          type="number"
          min="1"
          value={f.plateauPatience}
          onInput={set('plateauPatience')}
        />
        <label for="run-budget">Budget in human hours (empty: none)</label>
        <input
          id="run-budget"
          type="number"
          step="0.01"
          min="0"
          value={f.budgetHours}
          onInput={set('budgetHours')}
        />
      </fieldset>
      <span />
      <button type="submit" class="primary" disabled={busy}>
        Start run
      </button>
      <div class="span-all">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}

function judgeConfig(kind: JudgeKind, far: number, frr: number): Schemas['JudgeConfig'] {
  if (kind === 'simulated') return { kind, falseApproveRate: far, falseRejectRate: frr };
  return { kind } as Schemas['JudgeConfig'];
}

/** One run, live while it runs: status, controls, iterations, the learning curve and the cost ledger. */
export function RunPage({ projectId, runId }: { projectId: number; runId: number }) {
  const path = { projectId, runId };
  const [live, setLive] = useState(true);
  const run = useLoad(
    async () => {
      const r = await ok(api.GET('/v1/projects/{projectId}/runs/{runId}', { params: { path } }));
      if (isFinished(r)) setLive(false);
      return r;
    },
    [projectId, runId],
    live ? 1500 : undefined,
  );
  const costs = useLoad(
    () => ok(api.GET('/v1/projects/{projectId}/runs/{runId}/costs', { params: { path } })),
    [projectId, runId, run.data?.iteration, run.data?.status],
  );
  const reference = useLoad(() => supervisedReference(projectId, runId), [projectId, runId]);
  const [actionError, setActionError] = useState<unknown>();
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    setActionError(undefined);
    try {
      const params = { params: { path } };
      if (action === 'pause') await ok(api.POST('/v1/projects/{projectId}/runs/{runId}/pause', params));
      if (action === 'resume') await ok(api.POST('/v1/projects/{projectId}/runs/{runId}/resume', params));
      if (action === 'cancel') await ok(api.POST('/v1/projects/{projectId}/runs/{runId}/cancel', params));
      setLive(true);
      run.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  const r = run.data;
  const iterations = r?.iterations ?? [];
  return (
    <section>
      <h1>{r?.name ?? `Run ${runId}`}</h1>
      <ErrorBox error={run.error} />
      {r && (
        <>
          <div class="row">
            <span>
              Status:{' '}
              <span class="status" data-status={r.status}>
                {r.status}
              </span>
              {r.stopReason && <> (stopped: {r.stopReason})</>} · iteration {r.iteration}
            </span>
            <button
              type="button"
              onClick={() => act('pause')}
              disabled={r.status !== 'running' && r.status !== 'queued'}
            >
              Pause
            </button>
            <button type="button" onClick={() => act('resume')} disabled={r.status !== 'paused'}>
              Resume
            </button>
            <button type="button" onClick={() => act('cancel')} disabled={isFinished(r)}>
              Cancel
            </button>
          </div>
          {r.error && <p class="error">Run failed: {r.error.message}</p>}
          <ErrorBox error={actionError} />
          <IterationTable projectId={projectId} iterations={iterations} />
          <Curve
            title="Learning curve: mask AP against human hours"
            xLabel="human hours"
            yLabel="mask AP"
            points={curvePoints(iterations)}
            references={reference.data ? [reference.data] : []}
          />
          <ErrorBox error={reference.error} />
          <CostLedger costs={costs.data} />
          <ErrorBox error={costs.error} />
        </>
      )}
    </section>
  );
}

function curvePoints(iterations: Iteration[]) {
  return iterations
    .filter((it) => it.status === 'completed' && it.metrics?.segmAP != null && it.cumulativeCost)
    .map((it) => ({
      x: it.cumulativeCost?.humanHours ?? 0,
      y: it.metrics?.segmAP as number,
      label: `iteration ${it.iteration}`,
    }));
}

/** The project's supervised reference: a finished run trained on every train label (fraction 1). */
async function supervisedReference(projectId: number, runId: number) {
  const runs = await ok(
    api.GET('/v1/projects/{projectId}/runs', { params: { path: { projectId }, query: { limit: 100 } } }),
  );
  const ref = runs.data.find(
    (r) =>
      r.id !== runId &&
      r.status === 'succeeded' &&
      (r.config.initialLabels as { fraction?: number } | undefined)?.fraction === 1,
  );
  if (!ref) return undefined;
  const full = await ok(
    api.GET('/v1/projects/{projectId}/runs/{runId}', { params: { path: { projectId, runId: ref.id } } }),
  );
  const last = [...(full.iterations ?? [])].reverse().find((it) => it.metrics?.segmAP != null);
  return last
    ? { y: last.metrics?.segmAP as number, label: `supervised (${full.name ?? `run ${full.id}`})` }
    : undefined;
}

function IterationTable({ projectId, iterations }: { projectId: number; iterations: Iteration[] }) {
  return (
    <table class="iterations">
      <caption>Iterations</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Status</th>
          <th scope="col">Step</th>
          <th scope="col">Train images</th>
          <th scope="col">Approved</th>
          <th scope="col">Rejected</th>
          <th scope="col">Mask AP</th>
          <th scope="col">AP50</th>
          <th scope="col">Human hours (cum.)</th>
          <th scope="col">Pass</th>
        </tr>
      </thead>
      <tbody>
        {iterations.map((it) => (
          <tr key={it.iteration} data-iteration={it.iteration}>
            <th scope="row">{it.iteration}</th>
            <td>{it.status}</td>
            <td>{it.step}</td>
            <td>{it.trainImages ?? '—'}</td>
            <td>{it.approved ?? '—'}</td>
            <td>{it.rejected ?? '—'}</td>
            <td class="ap">{fmt(it.metrics?.segmAP)}</td>
            <td>{fmt(it.metrics?.segmAP50)}</td>
            <td>{fmt(it.cumulativeCost?.humanHours)}</td>
            <td>
              {it.passId ? (
                <Link to={`/projects/${projectId}/passes/${it.passId}`}>pass {it.passId}</Link>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CostLedger({ costs }: { costs: Schemas['RunCosts'] | undefined }) {
  if (!costs) return null;
  const t = costs.total;
  return (
    <>
      <table class="ledger">
        <caption>Cost ledger</caption>
        <thead>
          <tr>
            <th scope="col">Iteration</th>
            <th scope="col">Kind</th>
            <th scope="col">Quantity</th>
            <th scope="col">Seconds</th>
            <th scope="col">USD</th>
          </tr>
        </thead>
        <tbody>
          {costs.data.map((c) => (
            <tr key={`${c.iteration}-${c.kind}`}>
              <td>{c.iteration}</td>
              <td>{c.kind}</td>
              <td>
                {fmt(c.quantity, 0)} {c.unit}
              </td>
              <td>{fmt(c.seconds, 0)}</td>
              <td>{fmt(c.usd, 2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="totals">
        Total: {fmt(t.humanHours)} human hours ({fmt(t.annotationSeconds / 3600)} annotation,{' '}
        {fmt(t.reviewSeconds / 3600)} review) · VLM {t.vlmPromptTokens + t.vlmCompletionTokens} tokens ($
        {fmt(t.vlmUsd, 2)}) · training {fmt(t.trainingSeconds, 0)} s on {t.trainingDevice ?? '—'} · human $
        {fmt(t.humanUsd, 2)} + compute ${fmt(t.computeUsd, 2)} + VLM ${fmt(t.vlmUsd, 2)} = $
        {fmt(t.totalUsd, 2)}
      </p>
    </>
  );
}
