// The sign-in form every console page shows to a browser that is not signed in.
import { TOKEN_PREFIX } from '../../domain/identity/tokens.js';
import { html, layout, type Html } from './markup.js';

export function signInPage(next: string | null, error?: string): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : null}
<p>Paste your sponsor token (it starts with <code>${TOKEN_PREFIX.sponsor}</code>), or the operator token to review skills, providers and disputes.
Agent tokens cannot sign in: an agent never decides its own request.</p>
<form method="post" action="/console/login">
<label for="token">Sponsor token</label>
<input id="token" class="wide" name="token" type="password" autocomplete="off" required>
${next ? html`<input type="hidden" name="next" value="${next}">` : null}
<button type="submit">Sign in</button>
</form>`,
  );
}
