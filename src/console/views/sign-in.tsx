import { Bare, LanguageSwitch } from './layout.js';
import { Notice } from './parts.js';
import type { View } from './view.js';

/** The sign-in form: the API token, posted to this very page. */
export const SignInPage = ({ view, problem, info }: { view: View; problem?: string; info?: string }) => (
  <Bare view={view} title={view.t('signIn.title')}>
    <main class="signin">
      <LanguageSwitch view={view} />
      <h1>{view.t('app.title')}</h1>
      <p class="intro">{view.t('app.tagline')}</p>
      {problem ? <Notice kind="refused">{problem}</Notice> : ''}
      {info ? <Notice kind="done">{info}</Notice> : ''}
      <form method="post" action="/console/sign-in">
        <p>{view.t('signIn.intro')}</p>
        <label for="token">{view.t('signIn.token')}</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required maxlength={1024} autofocus />
        <button type="submit" class="primary">
          {view.t('action.signIn')}
        </button>
      </form>
    </main>
  </Bare>
);
