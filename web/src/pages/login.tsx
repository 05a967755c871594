import { useState } from 'preact/hooks';
import { api, ok, session } from '../api.ts';
import { ErrorBox } from '../ui.tsx';

/** Asks for an API key, checks it against the API, and keeps it in session storage. */
export function LoginPage({ onSignIn }: { onSignIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    session.set(key.trim());
    try {
      await ok(api.GET('/v1/projects', { params: { query: { limit: 1 } } }));
      onSignIn();
    } catch (err) {
      session.clear();
      setError(err);
    }
  };
  return (
    <main class="login">
      <h1>vlm-loop</h1>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          required
        />
        <button type="submit">Sign in</button>
        <p class="hint">The key stays in this tab (session storage) and is sent only to this server.</p>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}
