import { render } from 'preact';
import { useState } from 'preact/hooks';
import { api, ok, session } from './api.ts';
import { DatasetsPage, ImagePage } from './pages/datasets.tsx';
import { LoginPage } from './pages/login.tsx';
import { ModelsPage } from './pages/models.tsx';
import { PassesPage, PassPage } from './pages/passes.tsx';
import { ProjectsPage } from './pages/projects.tsx';
import { ReviewPage } from './pages/review.tsx';
import { RunPage, RunsPage } from './pages/runs.tsx';
import { match, navigate, usePath } from './router.ts';
import { ErrorBox, Link, useLoad } from './ui.tsx';

type Page = (p: Record<string, number>) => preact.JSX.Element;

const ROUTES: [string, Page][] = [
  ['/', () => <ProjectsPage />],
  ['/projects/:projectId', (p) => <DatasetsPage projectId={p.projectId} />],
  ['/projects/:projectId/images/:imageId', (p) => <ImagePage projectId={p.projectId} imageId={p.imageId} />],
  ['/projects/:projectId/passes', (p) => <PassesPage projectId={p.projectId} />],
  ['/projects/:projectId/passes/:passId', (p) => <PassPage projectId={p.projectId} passId={p.passId} />],
  [
    '/projects/:projectId/passes/:passId/review',
    (p) => <ReviewPage projectId={p.projectId} passId={p.passId} />,
  ],
  ['/projects/:projectId/runs', (p) => <RunsPage projectId={p.projectId} />],
  ['/projects/:projectId/runs/:runId', (p) => <RunPage projectId={p.projectId} runId={p.runId} />],
  ['/projects/:projectId/models', (p) => <ModelsPage projectId={p.projectId} />],
];

function App() {
  const path = usePath();
  const [signedIn, setSignedIn] = useState(session.key() !== null);
  if (!signedIn) return <LoginPage onSignIn={() => setSignedIn(true)} />;
  const found = ROUTES.map(([pattern, page]) => [match(pattern, path), page] as const).find(([p]) => p);
  const projectId = found?.[0]?.projectId;
  return (
    <>
      <header>
        <nav aria-label="Main">
          <Link to="/" class="brand">
            vlm-loop
          </Link>
          {projectId !== undefined && <ProjectNav projectId={projectId} path={path} />}
          <button
            type="button"
            class="link"
            onClick={() => {
              session.clear();
              setSignedIn(false);
              navigate('/');
            }}
          >
            Sign out
          </button>
        </nav>
      </header>
      <main>{found ? found[1](found[0] ?? {}) : <h1>Page not found</h1>}</main>
    </>
  );
}

function ProjectNav({ projectId, path }: { projectId: number; path: string }) {
  const project = useLoad(
    () => ok(api.GET('/v1/projects/{projectId}', { params: { path: { projectId } } })),
    [projectId],
  );
  const base = `/projects/${projectId}`;
  const tabs: [string, string][] = [
    [base, 'Dataset'],
    [`${base}/passes`, 'Passes'],
    [`${base}/runs`, 'Runs'],
    [`${base}/models`, 'Models'],
  ];
  return (
    <>
      <span class="project-name">{project.data?.name ?? `project ${projectId}`}</span>
      {tabs.map(([to, label]) => (
        <Link key={to} to={to} current={path === to || (to !== base && path.startsWith(`${to}/`))}>
          {label}
        </Link>
      ))}
      <ErrorBox error={project.error} />
    </>
  );
}

render(<App />, document.getElementById('root') as HTMLElement);
