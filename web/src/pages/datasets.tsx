export function DatasetsPage({ projectId }: { projectId: number }) {
  return <h1>Dataset of project {projectId}</h1>;
}
export function ImagePage({ projectId, imageId }: { projectId: number; imageId: number }) {
  return (
    <h1>
      Image {imageId} of project {projectId}
    </h1>
  );
}
