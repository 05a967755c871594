import { api, ok } from '../api.ts';
import { ErrorBox, Link, useLoad } from '../ui.tsx';

/** The projects this key can see (a project-scoped key sees only its own). */
export function ProjectsPage() {
  const projects = useLoad(() => ok(api.GET('/v1/projects', { params: { query: { limit: 100 } } })), []);
  return (
    <section>
      <h1>Projects</h1>
      <ErrorBox error={projects.error} />
      {projects.data && projects.data.data.length === 0 && <p>No project is visible to this key.</p>}
      <ul class="cards">
        {projects.data?.data.map((p) => (
          <li key={p.id}>
            <Link to={`/projects/${p.id}`}>{p.name}</Link>
            <span class="muted">
              {' '}
              {p.categories.length} categories: {p.categories.map((c) => c.name).join(', ')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
