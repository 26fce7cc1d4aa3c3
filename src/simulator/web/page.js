// The simulator's page: polls /simulator/state every second and redraws the tables. No framework, no build step.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic script (index.html loads it without type=module).
'use strict';

const openCalls = new Set();
const openInstances = new Set();
const PAY_PER_USE = new Set(['ON_DEMAND', 'ON_DEMAND_PKG']);
const escape = (value) => String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
const time = (ms) => (ms === undefined || ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));
const badge = (state) => `<span class="badge ${escape(state)}">${escape(state)}</span>`;
const rows = (section, html) => {
  document.querySelector(`#${section} tbody`).innerHTML = html || `<tr class="empty"><td colspan="9">none yet</td></tr>`;
};

function renderHeader(state) {
  const speed = state.speed === null || state.speed > 1e9 ? 'virtual time' : `${state.speed}× real time`;
  document.getElementById('clock').textContent = `Simulated time ${time(state.now)} UTC (${speed}); the seller's clock ${time(state.sellerNow)} UTC`;
  document.getElementById('marketplace-url').textContent = location.origin;
  document.getElementById('seller-urls').innerHTML = Object.entries(state.seller)
    .map(([family, url]) => `<code>${escape(family)}</code> ${escape(url)}`)
    .join(', ');
  document.getElementById('product-url').textContent = state.product
    ? `It plays the seller's product on ${state.product.url}: pay-per-use records usage there and seals it now.`
    : "Without the seller's kgkit API token (--api-token), pay-per-use waits for the seller's own usage push.";
  document.getElementById('scenario-buttons').innerHTML = state.scenarios
    .map(
      (s) => `<button type="button" data-scenario="${escape(s.name)}" title="${escape(s.summary)}" ${s.available ? '' : 'disabled'}>${escape(s.name)}</button>`,
    )
    .join(' ');
}

function renderRuns(state) {
  document.querySelector('#runs .list').innerHTML =
    state.runs
      .map(
        (run) => `<article class="run" data-run="${escape(run.id)}"><h3>${escape(run.id)} · ${escape(run.scenario)} ${badge(run.state)}</h3>
        <ol>${run.log.map((line) => `<li><time>${time(line.at)}</time> ${escape(line.text)}</li>`).join('')}</ol></article>`,
      )
      .join('') || '<p class="empty">No scenario has run yet: start one above.</p>';
}

function renderOrders(state) {
  rows(
    'orders',
    state.orders
      .map(
        (
          o,
        ) => `<tr data-order="${escape(o.orderId)}"><td>${escape(o.orderId)}</td><td>${escape(o.orderType)}</td><td>${escape(o.chargingMode)}${o.periodType ? ` (${escape(o.periodNumber)} ${escape(o.periodType)})` : ''}</td>
        <td>${escape(o.productId)}</td><td>${badge(o.state)}${o.unsubscribedAt ? ` ${badge('unsubscribed')}` : ''}${o.reason ? `<div class="reason">${escape(o.reason)}</div>` : ''}</td><td>${escape(o.instanceId)}</td><td>${escape(o.run)}</td></tr>`,
      )
      .join(''),
  );
}

function renderInstances(state) {
  rows(
    'instances',
    state.instances
      .map((i) => {
        const usage = i.info?.usageInfo || [];
        return `<tr data-instance="${escape(i.instanceId)}"><td>${escape(i.instanceId)}</td><td>${escape(i.family)}</td><td>${escape(i.chargingMode)}</td><td>${badge(i.state)}</td>
        <td>${time(i.createdAt)}</td><td>${escape(i.expireTime)}</td><td>${usage.map((u) => `${escape(u.usageValue)} @ ${escape(u.statisticalTime)}`).join('<br>')}</td>
        <td class="metering">${renderMetering(state, i)}</td></tr>`;
      })
      .join(''),
  );
}

// An instance's usage records (with their SDR state) and the usage pushes that delivered them, as the marketplace saw them.
function renderMetering(state, instance) {
  const { records, deliveries, validTotal } = instance.usage;
  const payPerUse = PAY_PER_USE.has(instance.chargingMode);
  const seal =
    state.product && payPerUse && instance.state !== 'released'
      ? `<button type="button" data-seal="${escape(instance.instanceId)}" title="the seller seals this instance's open usage windows now and pushes them">seal now</button>`
      : '';
  if (records.length === 0 && deliveries.length === 0) return payPerUse ? `<span class="empty">no usage record yet</span> ${seal}` : '';
  const recordRows = records
    .map(
      (
        r,
      ) => `<tr data-sn="${escape(r.metering_sn)}"><td>${escape(r.metering_sn)}</td><td>${escape(r.begin_time)} – ${escape(r.end_time)}</td><td>${escape(r.usage_value)}</td>
        <td>${badge(r.state)}${r.code ? ` ${escape(r.code)} ${escape(r.meaning)}` : ''}</td><td>${r.deliveries.map((id) => `#${id}`).join(', ')}</td></tr>`,
    )
    .join('');
  const deliveryRows = deliveries
    .map(
      (
        d,
      ) => `<tr data-delivery="${d.id}"><td>#${d.id}</td><td>${time(d.at)}</td><td>${badge(d.outcome)} HTTP ${d.status} ${escape(d.code)}${d.fault ? ` (${escape(d.fault)} injected)` : ''}</td>
        <td>${d.meteringSns.length} of ${d.records}${d.resent ? `, ${d.resent} resent` : ''}</td></tr>`,
    )
    .join('');
  const open = openInstances.has(instance.instanceId) ? 'open' : '';
  return `${records.length} record(s), valid ${escape(validTotal)} · ${deliveries.length} push(es) ${seal}
    <details data-instance-id="${escape(instance.instanceId)}" ${open}><summary>records and deliveries</summary>
    <table class="records"><thead><tr><th>metering_sn</th><th>Window (UTC)</th><th>Value</th><th>SDR</th><th>Pushes</th></tr></thead><tbody>${recordRows}</tbody></table>
    <table class="deliveries"><thead><tr><th>Push</th><th>When (seller clock)</th><th>Answer</th><th>Records</th></tr></thead><tbody>${deliveryRows}</tbody></table>
    </details>`;
}

function renderCalls(state) {
  rows(
    'calls',
    state.calls
      .map((call) => {
        const last = call.attempts[call.attempts.length - 1];
        const attempts = call.attempts
          .map(
            (
              a,
            ) => `<li><b>attempt ${a.n}</b> at ${time(a.at)} → ${a.status === 0 ? escape(a.error) : `HTTP ${a.status}`} ${escape(a.resultCode)} (${a.durationMs} ms) ${a.ok ? '' : '<span class="bad">failed</span>'}
              ${a.problems.length ? `<ul class="problems">${a.problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>` : ''}
              <pre>${escape(a.request.method)} ${escape(a.request.url)}\n${escape(a.request.body)}</pre><pre>${escape(a.text)}</pre></li>`,
          )
          .join('');
        const open = openCalls.has(call.id) ? 'open' : '';
        return `<tr data-call="${call.id}" class="${escape(call.state)}"><td>${call.id}${call.resendOf ? ` (resends #${call.resendOf})` : ''}</td><td>${escape(call.family)} <b>${escape(call.handler)}</b>
          <details data-call-id="${call.id}" ${open}><summary>request and answers</summary><ol>${attempts}</ol></details></td>
          <td>${badge(call.state)}${call.nextAttemptAt ? `<div>next ${time(call.nextAttemptAt)}</div>` : ''}${call.failure && call.state !== 'succeeded' ? `<div class="reason">${escape(call.failure)}</div>` : ''}</td>
          <td>${call.attempts.length}</td><td>${escape(call.retry)}</td><td>${last ? escape(last.resultCode || (last.status === 0 ? 'no answer' : `HTTP ${last.status}`)) : ''}</td>
          <td>${call.state === 'failed' ? `<button type="button" data-resend="${call.id}">resend</button>` : ''}</td></tr>`;
      })
      .join(''),
  );
}

function renderUsage(state) {
  rows(
    'usage',
    state.usage
      .map(
        (
          u,
        ) => `<tr data-sn="${escape(u.metering_sn)}" class="${escape(u.state)}"><td>${escape(u.metering_sn)}</td><td>${escape(u.instance_id)}</td><td>${escape(u.begin_time)} – ${escape(u.end_time)}</td>
        <td>${escape(u.usage_value)}</td><td>${badge(u.state)}</td><td>${u.code ? `${escape(u.code)} ${escape(u.meaning)}<div class="reason">${escape(u.reason)}</div>` : ''}</td>
        <td>${u.deliveries.map((id) => `#${id}`).join(', ')}</td></tr>`,
      )
      .join(''),
  );
}

function renderUploads(state) {
  rows(
    'uploads',
    state.uploads.map((u) => `<tr><td>${escape(u.eventId)}</td><td>${escape(u.type)}</td><td><code>${escape(u.content)}</code></td></tr>`).join(''),
  );
  rows(
    'open-api',
    state.openApi.map((r) => `<tr><td>${time(r.at)}</td><td>${escape(r.operationId)}</td><td>${r.status}</td><td>${escape(r.code)}</td></tr>`).join(''),
  );
  document.getElementById('violations').innerHTML = state.violations.map((v) => `<li class="bad">${escape(v)}</li>`).join('');
}

async function refresh() {
  try {
    const response = await fetch('/simulator/state', { cache: 'no-store' });
    const state = await response.json();
    for (const render of [renderHeader, renderRuns, renderOrders, renderInstances, renderCalls, renderUsage, renderUploads]) render(state);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    document.getElementById('clock').textContent = `The simulator does not answer (${error.message}).`;
  }
}

async function post(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const answer = await response.json();
  document.getElementById('action-message').textContent = response.ok ? '' : answer.error;
  await refresh();
}

document.addEventListener('click', (event) => {
  const target = event.target;
  if (target.dataset.scenario) void post('/simulator/runs', { scenario: target.dataset.scenario });
  if (target.dataset.resend) void post(`/simulator/calls/${target.dataset.resend}/resend`);
  if (target.dataset.seal) void post(`/simulator/instances/${encodeURIComponent(target.dataset.seal)}/seal`);
});
document.addEventListener(
  'toggle',
  (event) => {
    const instanceId = event.target.dataset?.instanceId;
    if (instanceId) {
      if (event.target.open) openInstances.add(instanceId);
      else openInstances.delete(instanceId);
      return;
    }
    const id = Number(event.target.dataset?.callId);
    if (!id) return;
    if (event.target.open) openCalls.add(id);
    else openCalls.delete(id);
  },
  true,
);

void refresh();
setInterval(refresh, 1000);
