/**
 * One-off (issue 13), read by scripts/rewrite-citations.ts; delete both once the rewrite has run. What each citation
 * of a document that is not in the repository becomes:
 * - the old decisions list: `DECISIONS n` is `docs/decisions.md#n` (the numbers did not change), its named sections
 *   the anchors below;
 * - a section of the reference notes (saas-v2.md, license-kit-openapi.md): the Huawei page it rests on, from the
 *   section's sources. Where a section has several, the page that states what kgkit's code and contracts cite it for
 *   (the contracts in openapi/ already chose the same pages); a line citing it for something else is an override.
 * - OVERRIDES: exact text, replaced wherever it is found, where a line needs another page than its section's
 *   default, a range needs fewer pages than it spans, or the plain swap would not read well.
 */

const cn = (topic: string) => `https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_${topic}.html`;
const intl = (page: string) => `https://support.huaweicloud.com/intl/en-us/accessg-marketplace/${page}.html`;

/** Section names of the old decisions list, and of docs/decisions.md when cited by name, to its anchors. */
export const NAMED_DECISIONS: Record<string, string> = {
  'Retry schedule': 'marketplace-retries',
  'Marketplace retries': 'marketplace-retries',
  'Verifying crypto': 'verifying-crypto',
};

/** saas-v2.md (SaaS Access Guide V2.0 notes): section → page. Ranges are expanded unless listed. */
export const SAAS_V2: Record<string, string | string[]> = {
  '1.1': cn('0070649476'), // V2.0 request signature (HTTP Body签名, CN: milliseconds, ascending sort, the example)
  '1.2': cn('0070649476'), // Kit V2 x-sign, same page
  '1.4': intl('en-us_topic_0070649067'), // Body-Sign (V1.0 security), as openapi/saas-v1 cites it
  '1.5': intl('en-us_topic_0070649063'), // credential encryption: encryptType, IV, SHA1PRNG key (V1 Java)
  '1.6': intl('en-us_topic_0070649066'), // V1.0 authToken, timeStamp UTC
  '1–3': [cn('0070649414'), cn('0070649476')], // interface overview (single URL, activity) and the signature
  '3': cn('0070649414'), // V2.0 interface overview: the basic interfaces
  '3.1': intl('topic_0070649092'), // create instance: businessId changes on every call
  '3.2': intl('topic_0070649093'), // query instance: AppInfo, UsageInfo, memo as \uXXXX
  '3.8': cn('0070649350'), // Query Order: hosts, .cn fallback, strict certificates, mock orders `<orderId>-000001`
  '3.9': cn('0070649013'), // V1.0 interfaces: newInstance parameters, saasExtendParams, orderAmount
  '4': intl('topic_0070649099'), // V2.0 result codes
  '5': 'https://support.huaweicloud.com/intl/zh-cn/accessg-marketplace/zh-cn_topic_0182376880.html', // V1 retries 3 h / 1 h / 1 h
  '6': cn('0070649410'), // usage push (new)
  '6.1': cn('0070649410'), // usage push (new): headers, records, error table, reporting rules
  '7': cn('0070649414'), // probing (拨测): saved debug cases re-run twice a day
  '8': cn('0070649013'), // V1.0 vs V2.0: the V1.0 create answer carries appInfo (§3.9's page)
};

/** license-kit-openapi.md (License, Kit, Open API, order notification notes): section → page. */
export const LICENSE_KIT: Record<string, string | string[]> = {
  'A.1': cn('0070649172'), // license-code 2.0 business model: codes issued by the marketplace, probing
  'A.2': cn('0070649248'), // license-code 2.0 request authentication and requirements (HTTPS), as openapi/license-code cites it
  'A.3': cn('0070649167'), // refreshLicenseCode; retries 60 times every 2 min
  'A.4': cn('0070649168'), // updateLicenseCodeStatus
  'A.5': cn('0070649169'), // releaseLicenseCode
  'A.6': cn('0070649189'), // license-code result codes
  'A.7': cn('0070649244'), // activate license code (Open API)
  'A.8': cn('0070649245'), // query license code (Open API)
  'A.9': cn('0070649195'), // license-code Open API error codes
  'A.11': cn('0070649156'), // legacy authToken, GET and POST variants
  'A.12': 'https://support.huaweicloud.com/usermanual-saascenter/saascenter_usermanual_0115.html', // CBC.* / 9138xxxx codes
  'A.2–A.6': cn('0070649248'), // "signed like SaaS V2.0 with the key bound to this interface": A.2's page
  'A.3–A.5': cn('0070649172'), // the three seller interfaces of the guide: its business-model page names them
  'A.3–A.6': cn('0070649172'),
  'B.1': cn('0070649282'), // online-open License: the five interfaces, differences from SaaS V2.0
  'B.2': cn('0070649282'), // retries
  'B.3': cn('0070649286'), // signature and requirements (HTTPS, 5 s), as openapi/online-license cites it
  'B.4': cn('0070649251'),
  'B.5': cn('0070649252'),
  'B.6': cn('0070649253'),
  'B.7': cn('0070649255'), // getLicenseAsync
  'B.8': cn('0070649288'), // online-open License result codes
  'B.1–B.8': cn('0070649282'), // the guide's overview page
  'B.4–B.8': cn('0070649282'),
  'C.1': cn('0070649109'), // Kit V1 tenant sync (authToken header); V2 flags are on the V2 pages (override)
  'C.2': cn('0070649476'), // Kit V2 x-sign
  'C.3': cn('0070649157'), // Kit V1 Body-Sign
  'C.4': cn('0070649433'), // Kit V2 tenantSync: timeStamp UTC+8, instanceId empty when applying for credentials
  'C.5': cn('0070649434'), // Kit V2 applicationSync: clientSecret RSA-OAEP
  'C.6': cn('0070649111'), // Kit V1 authSync: userList a JSON-encoded string, the example with `extension`
  'C.7': cn('0070649113'), // Kit V1 allOrgSync: orgInfo a JSON-encoded string
  'C.9': cn('0070649448'), // joint-operation login: authorize, state (as openapi/oauth cites it)
  'C.4–C.7': [cn('0070649433'), cn('0070649434'), cn('0070649435'), cn('0070649437')], // Kit V2 syncs
  'C.1–C.7': [cn('0070649433'), cn('0070649109')], // Kit V2 and V1 tenant sync, each leading its version's sync pages
  D: cn('0070649242'), // Open APIs: common headers, hosts, AK/SK
  'D.1': cn('0070649242'), // APIG AK/SK, X-Sdk-Date within 15 min, hosts
  'D.2': cn('0070649350'), // Query Order
  'D.3': cn('0070649351'), // string / file-stream upload
  'D.5': cn('0000002290055385'), // software usage statistics
  E: 'https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0000002091799149.html', // orderNotify
};

export interface Override {
  /** Where the text was when this was written: only a note (files move; the text is looked for in every file). */
  seenIn: string;
  from: string;
  to: string;
}

const C = LICENSE_KIT as Record<string, string>;
const S = SAAS_V2 as Record<string, string>;

export const OVERRIDES: Override[] = [
  // Wording that names a part of a reference section, or reads badly once the section is a URL.
  { seenIn: 'several files', from: 'license-kit-openapi.md A.11 POST variant', to: `the POST variant of ${C['A.11']}` },
  { seenIn: 'several files', from: '(A.11 POST variant', to: `(the POST variant of ${C['A.11']}` },
  { seenIn: 'several files', from: '// A.11 POST variant: every body member', to: `// The POST variant of ${C['A.11']}: every body member` },
  { seenIn: 'src/usage/windows.ts', from: '(saas-v2.md §6.1 "Reporting rules")', to: `(${S['6.1']})` },
  { seenIn: 'src/usage/windows.ts', from: '(saas-v2.md §6.1, "Reporting rules")', to: `(${S['6.1']})` },
  { seenIn: 'src/usage/status.ts', from: '(saas-v2.md §3.2 UsageInfo)', to: `(UsageInfo, ${S['3.2']})` },
  {
    seenIn: 'src/usage/status.ts',
    from: 'An instance without usage gets no entry. saas-v2.md §3.2 says only',
    to: `An instance without usage gets no entry. Huawei's table (${S['3.2']}) says only`,
  },
  { seenIn: 'src/instances/instance.ts', from: '(saas-v2.md §3.2 AppInfo)', to: `(AppInfo, ${S['3.2']})` },
  { seenIn: 'src/usage/outcomes.ts', from: '(saas-v2.md §6.1 error table)', to: `(the error table of ${S['6.1']})` },
  {
    seenIn: 'src/provisioning/provisioner.ts',
    from: 'The create-time refusals of saas-v2.md §4 a provisioner',
    to: `The create-time refusals (${S['4']}) a provisioner`,
  },
  {
    seenIn: 'src/instances/lifecycle.ts',
    from: 'The instance lifecycle of saas-v2.md §3 with the idempotency of DECISIONS 14–15.',
    to: `The instance lifecycle of the SaaS V2.0 basic interfaces (${S['3']}) with the idempotency of docs/decisions.md#14–#15.`,
  },
  {
    seenIn: 'src/crypto/usage-signature.ts',
    from: "(DECISIONS 1's window; the usage push page states none)",
    to: '(the window of docs/decisions.md#1; the usage push page states none)',
  },
  // The usage push page is already cited beside it.
  { seenIn: 'src/crypto/usage-signature.ts', from: `(saas-v2.md §6.1; ${S['6.1']}):`, to: `(${S['6.1']}):` },
  // Each row of docs/decisions.md#marketplace-retries carries its Huawei page.
  {
    seenIn: 'src/simulator/retry-schedule.ts',
    from: 'DECISIONS "Retry schedule", saas-v2.md §5.',
    to: 'docs/decisions.md#marketplace-retries (each row with its Huawei page).',
  },
  { seenIn: 'src/sso/oauth-client.ts', from: '(DECISIONS "Retry schedule")', to: '(docs/decisions.md#marketplace-retries)' },
  // The sample's canonical payload is described in the decision, not on a Huawei page.
  {
    seenIn: 'src/crypto/basic-signature.ts',
    from: 'with null values dropped (saas-v2.md §1.1).',
    to: 'with null values dropped (docs/decisions.md#2).',
  },
  // The section is about V1.0's GET and its authToken (§1.6) and parameters (§3.9), not Body-Sign or encryption.
  { seenIn: 'src/saas-v1/mount.ts', from: '(saas-v2.md §1.4–1.6, §3.9)', to: `(${S['1.6']}, ${S['3.9']})` },
  // V2 flags (0, 1, 2) are the V2 tenant sync's.
  { seenIn: 'src/kit/wire.ts', from: '`flag` (license-kit-openapi.md §C.1)', to: `\`flag\` (${C['C.4']})` },
  // The whole Kit family: the pages are listed, with what each covers, in the contracts.
  {
    seenIn: 'src/kit/tenant-directory.ts',
    from: '// The tenant directory the joint-operation Kit syncs write (license-kit-openapi.md §C.4–C.7). No HTTP here: the handlers of\n// both Kit versions map their bodies to these calls. Idempotency (DECISIONS 14, §C.4–C.7): keys (instance, tenant[, app]',
    to: "// The tenant directory the joint-operation Kit syncs write (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page). No HTTP\n// here: the handlers of both Kit versions map their bodies to these calls. Idempotency (docs/decisions.md#14): keys (instance, tenant[, app]",
  },
  {
    seenIn: 'src/store/tables/kit.ts, test/support/kit-bodies.ts',
    from: '(license-kit-openapi.md §C.4–C.7)',
    to: "(openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page)",
  },
  {
    seenIn: 'src/kit/mount.ts',
    from: 'both writing the one tenant directory (license-kit-openapi.md §C.1–C.7).',
    to: "both writing the one tenant directory (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page).",
  },
  // The retries of the three interfaces are on each page; the first is the one docs/decisions.md#marketplace-retries cites.
  {
    seenIn: 'src/license-code/license-codes.ts',
    from: '(60 times, every 2 minutes, license-kit-openapi.md A.3-A.5)',
    to: `(60 times, every 2 minutes, ${C['A.3']})`,
  },
  // Which License page states the 5 s is not certain; the retry table has the timeout with its page.
  {
    seenIn: 'src/conformance/driver.ts',
    from: 'with its 5 s timeout (license-kit-openapi.md A.2, B.3)',
    to: 'with its 5 s timeout (docs/decisions.md#marketplace-retries)',
  },
  // The V1.0 debug cases (new, renewal, expiry, release) are on the V1.0 (intl) page, not the V2.0 overview.
  { seenIn: 'test/saas-v1/production.test.ts', from: 'release; saas-v2.md §7)', to: `release; ${intl('en-us_topic_0070649058')})` },
  // A citation cut in two by the line break.
  {
    seenIn: 'src/crypto/rsa-oaep.ts',
    from: '>= 3072 bits, Base64 (license-kit-openapi.md\n// C.5, DECISIONS 12).',
    to: `>= 3072 bits, Base64\n// (${C['C.5']}, docs/decisions.md#12).`,
  },
  // The idempotency of getLicenseAsync on (eventId, deviceFingerprint) is stated with the interface.
  { seenIn: 'src/online-license/license-applications.ts', from: '(B.2; DECISIONS 14)', to: `(${C['B.7']}; docs/decisions.md#14)` },
  // §F summarises the signature pages: the basic and Kit V2 page, and the legacy authToken page.
  {
    seenIn: 'src/conformance/families.ts',
    from: "How the marketplace signs a family's calls (license-kit-openapi.md §F):",
    to: `How the marketplace signs a family's calls (${C['C.2']}; V1: ${C['A.11']}):`,
  },
  {
    seenIn: 'src/conformance/signing.ts',
    from: "How the marketplace builds each family's request (license-kit-openapi.md §F):",
    to: `How the marketplace builds each family's request (${C['C.2']}; V1: ${C['A.11']}):`,
  },
  // The fixture README: sections of saas-v2.md cited without the file name.
  {
    seenIn: 'test/fixtures/crypto/README.md',
    from: 'the documented `newInstance` body of §1.1 (checked\n  byte for byte against the text of the reference)',
    to: `the documented \`newInstance\` body of\n  ${S['1.1']} (checked byte for byte against a copy of the page's text)`,
  },
  { seenIn: 'test/fixtures/crypto/README.md', from: '- **`bodySign`** (§1.4)', to: `- **\`bodySign\`** (${S['1.4']})` },
  { seenIn: 'test/fixtures/crypto/README.md', from: '- **`aesKeys`** (§1.5)', to: `- **\`aesKeys\`** (${S['1.5']})` },
  { seenIn: 'test/fixtures/crypto/README.md', from: '- **`aesCredentials`** (§1.5)', to: `- **\`aesCredentials\`** (${S['1.5']})` },
  // The independent seller cites Huawei's pages by its own short names (P-…, its README); it keeps to them.
  { seenIn: 'test/independent-seller/README.md', from: '| P-sig, P-lc (A.2) |', to: '| P-sig, P-lc (signature) |' },
  { seenIn: 'test/independent-seller/README.md', from: '| P-sig, P-kit, license-kit notes C.2 |', to: '| P-sig, P-kit |' },
  { seenIn: 'test/independent-seller/README.md', from: '(B.8 names `000003` only for', to: "(P-ol's codes page names `000003` only for" },
  { seenIn: 'test/independent-seller/seller.py', from: "credentials' (C.4, C.5):", to: "credentials' (P-kit: tenantSync, applicationSync):" },
  {
    seenIn: 'test/independent-seller/seller.py',
    from: '# ---- License authorization codes 2.0 (A.3-A.6) ',
    to: '# ---- License authorization codes 2.0 (P-lc) ---',
  },
  { seenIn: 'test/independent-seller/seller.py', from: '# ---- joint-operation Kit V2 (C.1-C.7) ', to: '# ---- joint-operation Kit V2 (P-kit) --' },
];
