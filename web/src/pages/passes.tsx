export function PassesPage({ projectId }: { projectId: number }) {
  return <h1>Passes of project {projectId}</h1>;
}
export function PassPage({ projectId, passId }: { projectId: number; passId: number }) {
  return (
    <h1>
      Pass {passId} of project {projectId}
    </h1>
  );
}
