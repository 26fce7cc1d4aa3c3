/**
 * Why a form post did not come from the console's own pages, or undefined (CSRF, beside the SameSite=Strict cookie).
 * Browsers say where a request comes from: `Sec-Fetch-Site` (Fetch Metadata), which a page cannot set, decides when it
 * is sent; it compares origins as the browser sees them, so it holds behind a proxy that ends TLS or renames the host.
 * Without it (older browsers) the `Origin` of a POST (RFC 6454 §7) must name this request's host. A post with neither
 * header is refused: every browser the console supports sends one, and a script has no use for the console's forms.
 */
export function crossSiteProblem(request: { host: string | undefined; origin: string | undefined; fetchSite: string | undefined }): string | undefined {
  const { host, origin, fetchSite } = request;
  if (fetchSite !== undefined)
    return fetchSite === 'same-origin' ? undefined : `the browser says this form comes from another site (Sec-Fetch-Site: ${fetchSite.slice(0, 32)})`;
  if (origin === undefined) return 'the request says neither where it comes from (Origin) nor how (Sec-Fetch-Site)';
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'the Origin of the request is not a URL';
  }
  if (host === undefined || originHost !== host.toLowerCase()) return `the form comes from ${origin.slice(0, 100)}, not from this site (Origin)`;
  return undefined;
}
