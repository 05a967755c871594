export function RunsPage({ projectId }: { projectId: number }) {
  return <h1>Runs of project {projectId}</h1>;
}
export function RunPage({ projectId, runId }: { projectId: number; runId: number }) {
  return (
    <h1>
      Run {runId} of project {projectId}
    </h1>
  );
}
