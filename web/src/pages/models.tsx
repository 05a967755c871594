export function ModelsPage({ projectId }: { projectId: number }) {
  return <h1>Models of project {projectId}</h1>;
}
