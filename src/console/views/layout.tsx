import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { MessageKey } from '../i18n/en.js';
import type { View } from './view.js';

export type Section = 'instances' | 'usage' | 'licenseUploads' | 'directory' | 'refusals' | 'calls';

const NAV: { section: Section; path: string }[] = [
  { section: 'instances', path: '/console/instances' },
  { section: 'usage', path: '/console/usage' },
  { section: 'licenseUploads', path: '/console/license-uploads' },
  { section: 'directory', path: '/console/directory' },
  { section: 'refusals', path: '/console/refusals' },
  { section: 'calls', path: '/console/calls' },
];

const Head = ({ view, title }: { view: View; title: string }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="same-origin" />
    <title>{title === view.t('app.title') ? title : `${title} · ${view.t('app.title')}`}</title>
    <link rel="stylesheet" href="/console/console.css" />
  </head>
);

/** The other language, as a form: switching is a POST like every change, with the way back to this page. */
export const LanguageSwitch = ({ view }: { view: View }) => (
  <form method="post" action="/console/language" class="inline lang">
    <input type="hidden" name="to" value={view.lang === 'en' ? 'zh-CN' : 'en'} />
    <input type="hidden" name="back" value={view.here} />
    <button type="submit" title={view.t('language.switch')} lang={view.lang === 'en' ? 'zh-CN' : 'en'}>
      {view.t('language.other')}
    </button>
  </form>
);

/** A page of the signed-in console: the navigation, the language switch, sign-out, then the page. */
export const Layout = ({ view, title, section, children }: { view: View; title: string; section?: Section; children?: Child }) => (
  <>
    {raw('<!DOCTYPE html>')}
    <html lang={view.lang}>
      <Head view={view} title={title} />
      <body>
        <header class="top">
          <a class="brand" href="/console/instances">
            {view.t('app.title')}
          </a>
          <nav aria-label={view.t('nav.main')}>
            {NAV.map((item) => (
              <a href={item.path} aria-current={item.section === section ? 'page' : undefined}>
                {view.t(`nav.${item.section}` as MessageKey)}
              </a>
            ))}
          </nav>
          <div class="tools">
            <LanguageSwitch view={view} />
            <form method="post" action="/console/sign-out" class="inline">
              <button type="submit">{view.t('action.signOut')}</button>
            </form>
          </div>
        </header>
        <main>{children}</main>
      </body>
    </html>
  </>
);

/** A page outside the session: the sign-in form. */
export const Bare = ({ view, title, children }: { view: View; title: string; children?: Child }) => (
  <>
    {raw('<!DOCTYPE html>')}
    <html lang={view.lang}>
      <Head view={view} title={title} />
      <body>{children}</body>
    </html>
  </>
);
