// Poseidon dashboard. Vanilla JS, no build step. Everything it shows comes from the gateway's API;
// it learns which deployments, workflows, pipeline runs and services exist from the live stream
// (GET api/v1/stream, Server-Sent Events read with fetch so that X-API-Key can be sent), replayed
// from the earliest event on load, and re-fetches one entity when an event about it arrives.
// There is no polling loop: without the stream the panels stay as they are and say so.
'use strict';

(() => {
  const TOPICS = {
    deployments: 'harbor.deployment-events',
    workflows: 'current.workflow-events',
    pipelines: 'forge.pipeline-events',
    alerts: 'lighthouse.alerts',
    instances: 'depths.instance-changes',
    health: 'lighthouse.service-health',
  };
  const KEY_STORAGE = 'poseidon.apiKey';
  const MAX_CARDS = 24;
  const MAX_SERVICES = 100;
  const MAX_TAIL = 200;
  const DEBOUNCE_MS = 300;
  const PARALLEL_FETCHES = 4; // a browser opens 6 connections per origin over HTTP/1.1; the stream holds one
  const STALL_MS = 45_000; // three missed heartbeats (the node sends one every 15 s)
  const BACKOFF_MIN_MS = 1_000;
  const BACKOFF_MAX_MS = 30_000;
  const TERMINAL_DEPLOYMENT = new Set(['SUCCEEDED', 'ROLLED_BACK', 'FAILED_NEEDS_ATTENTION', 'CANCELLED']);

  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers: text only, never markup from the API -------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const STATE_CLASS = {
    ok: ['SUCCEEDED', 'COMPLETED', 'HEALTHY', 'PASSED', 'RESOLVED', 'UP'],
    run: ['RUNNING', 'IN_PROGRESS', 'STARTED', 'DEPLOYING'],
    warn: ['QUEUED', 'PENDING', 'DEGRADED', 'ROLLING_BACK', 'RETRYING', 'WARNING'],
    bad: ['FAILED', 'FAILED_NEEDS_ATTENTION', 'ROLLED_BACK', 'UNHEALTHY', 'FIRING', 'CRITICAL', 'TIMED_OUT'],
  };

  /** A state as text (the colour only repeats it); {@code main} marks a card's own status. */
  function state(value, label, main = false) {
    const text = String(value ?? 'UNKNOWN').toUpperCase();
    const kind = Object.keys(STATE_CLASS).find((k) => STATE_CLASS[k].includes(text)) || 'idle';
    return el('span', { class: `state ${kind}`, 'data-status': main, 'aria-label': label ? `${label}: ${text}` : null },
      text);
  }

  function time(value) {
    if (value === null || value === undefined || value === '') return '';
    const date = new Date(typeof value === 'number' ? value : Date.parse(value));
    if (Number.isNaN(date.getTime())) return String(value);
    const sameDay = date.toDateString() === new Date().toDateString();
    return sameDay ? date.toLocaleTimeString([], { hour12: false })
      : date.toLocaleString([], { hour12: false, dateStyle: 'short', timeStyle: 'medium' });
  }

  function timeEl(value) {
    const text = time(value);
    return text ? el('time', { datetime: typeof value === 'string' ? value : new Date(value).toISOString() }, text) : '';
  }

  /** The first string field {@code name} in an event value, however the payload union is nested. */
  function field(value, name, depth = 4) {
    if (!value || typeof value !== 'object' || depth < 0) return null;
    if (typeof value[name] === 'string') return value[name];
    for (const child of Object.values(value)) {
      if (child && typeof child === 'object') {
        const found = field(child, name, depth - 1);
        if (found) return found;
      }
    }
    return null;
  }

  function eventTime(event) {
    const t = typeof event.time === 'number' ? event.time : Date.parse(event.time);
    return Number.isNaN(t) ? Date.now() : t;
  }

  // ---- credentials and the API ---------------------------------------------------------------------

  const auth = {
    key() {
      try { return localStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
    },
    save(key) {
      try {
        if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
      } catch { /* private mode: the key lasts for this page only */ }
      auth.memory = key;
    },
    current() { return auth.memory ?? auth.key(); },
    headers(extra) {
      const headers = { Accept: 'application/json', ...extra };
      const key = auth.current();
      if (key) headers['X-API-Key'] = key;
      return headers;
    },
    needed() {
      const banner = $('auth-banner');
      banner.textContent = auth.current()
        ? 'The node did not accept this API key (401 Unauthorized). Check it under "API key", or clear it.'
        : 'This node needs an API key (401 Unauthorized): enter one with at least the viewer role under "API key" and save it.';
      banner.hidden = false;
    },
    accepted() { $('auth-banner').hidden = true; },
  };

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.message ? `${status} ${body.code}: ${body.message}` : `HTTP ${status}`);
      this.status = status;
      this.code = body && body.code;
    }
  }

  /** At most PARALLEL_FETCHES requests at a time; the others wait their turn. */
  const slots = { active: 0, waiting: [] };
  function limited(task) {
    return new Promise((resolve, reject) => {
      slots.waiting.push({ task, resolve, reject });
      drain();
    });
  }
  function drain() {
    while (slots.active < PARALLEL_FETCHES && slots.waiting.length) {
      const { task, resolve, reject } = slots.waiting.shift();
      slots.active++;
      task().then(resolve, reject).finally(() => { slots.active--; drain(); });
    }
  }

  async function api(path) {
    return limited(async () => {
      const response = await fetch(path, { headers: auth.headers(), cache: 'no-store' });
      let body = null;
      try { body = await response.json(); } catch { /* not JSON */ }
      if (response.status === 401) auth.needed();
      else if (response.ok) auth.accepted();
      if (!response.ok) throw new ApiError(response.status, body);
      return body;
    });
  }

  const enc = encodeURIComponent;

  // ---- debounced refreshes, one per entity ----------------------------------------------------------

  const timers = new Map();
  function soon(key, run, delay = DEBOUNCE_MS) {
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); run(); }, delay));
  }

  // ---- panels: a model per entity, a card per model --------------------------------------------------

  /**
   * A panel of cards, newest activity first (unfinished ones before finished ones), at most MAX_CARDS:
   * only those are fetched. {@code load(id)} fetches an entity, {@code render(model)} draws its card.
   */
  function cardPanel(sectionId, containerId, idAttribute, load, render, finished) {
    const models = new Map();
    const section = $(sectionId);
    const container = $(containerId);

    function ordered() {
      return [...models.values()].sort((a, b) =>
        (finished(a) - finished(b)) || (b.lastSeen - a.lastSeen)).slice(0, MAX_CARDS);
    }

    function draw() {
      const shown = ordered();
      const keep = new Set(shown.map((m) => m.id));
      for (const card of [...container.children]) {
        if (!keep.has(card.getAttribute(idAttribute))) card.remove();
      }
      shown.forEach((model, index) => {
        let card = model.card;
        if (!card) {
          card = model.card = el('article', { class: 'card', [idAttribute]: model.id, id: `${sectionId}-${model.id}` });
          model.dirty = true;
        }
        if (model.dirty) {
          card.replaceChildren(...render(model));
          model.dirty = false;
        }
        if (container.children[index] !== card) container.insertBefore(card, container.children[index] || null);
      });
      section.querySelector('[data-empty]').hidden = shown.length > 0;
    }

    async function refresh(id) {
      const model = models.get(id);
      if (!model || !ordered().includes(model)) return; // pushed out by newer ones: not worth a request
      try {
        model.data = await load(id);
        model.error = null;
      } catch (error) {
        model.error = error.status === 404 ? 'not found yet (the event may be ahead of the store)' : error.message;
      }
      model.dirty = true;
      draw();
    }

    return {
      models,
      /** An event about {@code id}: note it, show the card, re-fetch it a moment later. */
      touch(id, seen, summary) {
        let model = models.get(id);
        if (!model) {
          model = { id, lastSeen: 0, data: null, error: null, summary: {}, dirty: true };
          models.set(id, model);
        }
        model.lastSeen = Math.max(model.lastSeen, seen);
        Object.assign(model.summary, summary);
        model.dirty = true;
        draw();
        soon(`${sectionId}:${id}`, () => refresh(id));
      },
      refreshAll() { ordered().forEach((m) => soon(`${sectionId}:${m.id}`, () => refresh(m.id))); },
    };
  }

  // deployments -------------------------------------------------------------------------------------

  function deploymentSteps(deployment) {
    const byEnvironment = new Map((deployment.environments || []).map((env) => [env, new Map()]));
    for (const entry of deployment.history || []) {
      if (!entry.environment || !entry.action) continue;
      if (!byEnvironment.has(entry.environment)) byEnvironment.set(entry.environment, new Map());
      byEnvironment.get(entry.environment).set(entry.action, entry);
    }
    return byEnvironment;
  }

  function renderDeployment(model) {
    const d = model.data;
    const s = model.summary;
    if (!d) {
      return [
        el('header', {}, el('h3', {}, `${s.service || model.id} ${s.version || ''}`.trim()), state(s.status || 'PENDING', 'Deployment status', true)),
        el('p', { class: 'meta' }, el('code', {}, model.id)),
        model.error ? el('p', { class: 'error' }, model.error) : el('p', { class: 'meta' }, 'loading…'),
      ];
    }
    const steps = deploymentSteps(d);
    const current = d.currentEnvironment && !TERMINAL_DEPLOYMENT.has(d.status)
      ? ` · now ${d.currentEnvironment} ${d.currentAction || ''}` : '';
    const last = (d.history || []).at(-1);
    return [
      el('header', {}, el('h3', {}, `${d.service} ${d.version}`), state(d.status, 'Deployment status', true)),
      el('p', { class: 'meta' }, el('code', {}, d.deploymentId), ` · ${String(d.strategy || '').toLowerCase()}${current}`,
        last ? [' · ', timeEl(last.time)] : ''),
      el('ol', { class: 'steps', 'aria-label': 'Steps per environment' }, [...steps].map(([env, actions]) =>
        el('li', { 'data-environment': env },
          el('span', { class: 'name' }, env),
          el('span', { class: 'actions' }, actions.size === 0 ? state('PENDING', `${env}`)
            : [...actions.values()].map((entry) => el('span', { class: 'step' },
              entry.action.toLowerCase().replace('_', ' '), state(entry.status, `${env} ${entry.action}`)))),
        ))),
      d.reason ? el('p', { class: 'reason' }, d.reason) : '',
      model.error ? el('p', { class: 'error' }, `refresh failed: ${model.error}`) : '',
    ];
  }

  const deployments = cardPanel('deployments', 'deployment-cards', 'data-deployment-id',
    (id) => api(`api/v1/deployments/${enc(id)}`), renderDeployment,
    (m) => TERMINAL_DEPLOYMENT.has((m.data && m.data.status) || m.summary.status) ? 1 : 0);

  // workflows ---------------------------------------------------------------------------------------

  function renderWorkflow(model) {
    const w = model.data && model.data.workflow;
    const timeline = model.data && model.data.timeline;
    if (!w) {
      return [
        el('header', {}, el('h3', {}, model.summary.service || model.id), state(model.summary.status || 'PENDING', 'Workflow status', true)),
        el('p', { class: 'meta' }, el('code', {}, model.id)),
        model.error ? el('p', { class: 'error' }, model.error) : el('p', { class: 'meta' }, 'loading…'),
      ];
    }
    const types = new Map(); // eventId -> type, to name a cause that is not the line above
    const events = (timeline && timeline.events) || [];
    return [
      el('header', {}, el('h3', {}, `${w.service} @ ${String(w.commit).slice(0, 7)}`), state(w.status, 'Workflow status', true)),
      el('p', { class: 'meta' }, `${w.branch} · ${w.author} · step ${w.step}`, ' · ', timeEl(w.updatedAt)),
      el('p', { class: 'meta' },
        w.pipelineRunId ? ['pipeline ', el('a', { href: `#pipelines-${w.pipelineRunId}` }, el('code', {}, w.pipelineRunId))] : '',
        w.pipelineRunId && w.deploymentId ? ' · ' : '',
        w.deploymentId ? ['deployment ', el('a', { href: `#deployments-${w.deploymentId}` }, el('code', {}, w.deploymentId))] : ''),
      w.cause ? el('p', { class: 'reason' }, w.cause) : '',
      events.length ? el('details', {},
        el('summary', {}, `Causal timeline (${events.length} events)`),
        el('ol', { class: 'timeline' }, events.map((e, i) => {
          const cause = e.causationId && (i === 0 || events[i - 1].eventId !== e.causationId)
            ? types.get(e.causationId) : null;
          types.set(e.eventId, e.type);
          return el('li', {},
            el('span', { class: 'when' }, timeEl(e.time)), ' ', el('span', { class: 'source' }, e.source), ' ',
            el('code', {}, e.type), e.summary ? ` — ${e.summary}` : '',
            cause ? el('span', { class: 'cause' }, ` (caused by ${cause})`) : '');
        }))) : '',
      model.error ? el('p', { class: 'error' }, `refresh failed: ${model.error}`) : '',
    ];
  }

  const workflows = cardPanel('workflows', 'workflow-cards', 'data-workflow-id',
    async (id) => {
      const [workflow, timeline] = await Promise.all([api(`api/v1/workflows/${enc(id)}`),
        api(`api/v1/workflows/${enc(id)}/timeline`).catch(() => null)]);
      return { workflow, timeline };
    }, renderWorkflow,
    (m) => (m.data && m.data.workflow && m.data.workflow.status !== 'RUNNING') ? 1 : 0);

  // pipeline runs -----------------------------------------------------------------------------------

  function renderPipeline(model) {
    const r = model.data;
    if (!r) {
      return [
        el('header', {}, el('h3', {}, model.summary.service || model.id), state(model.summary.status || 'PENDING', 'Pipeline status', true)),
        el('p', { class: 'meta' }, el('code', {}, model.id)),
        model.error ? el('p', { class: 'error' }, model.error) : el('p', { class: 'meta' }, 'loading…'),
      ];
    }
    return [
      el('header', {}, el('h3', {}, `${r.service} @ ${String(r.commit).slice(0, 7)}`), state(r.status, 'Pipeline status', true)),
      el('p', { class: 'meta' }, el('code', {}, r.runId), ` · ${r.branch} · `, timeEl(r.updatedAt)),
      el('ol', { class: 'steps', 'aria-label': 'Stages' }, (r.stages || []).map((stage) =>
        el('li', {}, el('span', { class: 'name' }, stage.stage),
          el('span', { class: 'actions' }, state(stage.status, `stage ${stage.stage}`),
            stage.attempt > 1 ? el('span', { class: 'step' }, `attempt ${stage.attempt}`) : '',
            stage.detail ? el('span', { class: 'detail' }, stage.detail) : '')))),
      r.reason ? el('p', { class: 'reason' }, r.reason) : '',
      model.error ? el('p', { class: 'error' }, `refresh failed: ${model.error}`) : '',
    ];
  }

  const pipelines = cardPanel('pipelines', 'pipeline-cards', 'data-run-id',
    (id) => api(`api/v1/pipeline-runs/${enc(id)}`), renderPipeline,
    (m) => (m.data && !['PENDING', 'RUNNING'].includes(m.data.status)) ? 1 : 0);

  // services ----------------------------------------------------------------------------------------

  const services = new Map();

  function touchService(name) {
    if (!name || (!services.has(name) && services.size >= MAX_SERVICES)) return;
    if (!services.has(name)) services.set(name, { name, instances: null, health: null, error: null });
    soon(`service:${name}`, () => refreshService(name), 1_000);
  }

  async function refreshService(name) {
    const service = services.get(name);
    const [instances, health] = await Promise.allSettled([
      api(`api/v1/services/${enc(name)}/instances`), api(`api/v1/services/${enc(name)}/health`)]);
    service.instances = instances.status === 'fulfilled' ? instances.value.instances || [] : null;
    service.health = health.status === 'fulfilled' ? health.value : null;
    const failed = [instances, health].find((r) => r.status === 'rejected' && r.reason.code !== 'service_not_running');
    service.error = failed ? failed.reason.message : null;
    drawServices();
  }

  function drawServices() {
    const rows = [...services.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => {
      const instances = s.instances;
      const health = s.health;
      return el('tr', { 'data-service': s.name },
        el('th', { scope: 'row' }, s.name),
        el('td', {}, instances === null ? '—' : `${instances.length} live`,
          instances && instances.length ? el('div', { class: 'instances' }, instances.slice(0, 4)
            .map((i) => `${i.instanceId}${i.version ? ` (${i.version})` : ''}`).join(', ')
            + (instances.length > 4 ? ` +${instances.length - 4}` : '')) : ''),
        el('td', {}, health ? el('div', { class: 'envs' }, state(health.state, `${s.name} health`),
          (health.environments || []).map((e) => el('span', { class: 'step' }, e.environment, state(e.state, `${s.name} in ${e.environment}`))))
          : '—', s.error ? el('div', { class: 'error' }, s.error) : ''));
    });
    $('service-rows').replaceChildren(...rows);
    $('service-table').hidden = rows.length === 0;
    $('services').querySelector('[data-empty]').hidden = rows.length > 0;
  }

  // alerts ------------------------------------------------------------------------------------------

  const ALERT_ORDER = { FIRING: 0, PENDING: 1, RESOLVED: 2 };

  async function refreshAlerts() {
    const list = $('alert-list');
    const empty = $('alerts').querySelector('[data-empty]');
    let alerts;
    try {
      alerts = (await api('api/v1/alerts?limit=500')).alerts || [];
    } catch (error) {
      empty.hidden = false;
      empty.textContent = error.code === 'service_not_running' || error.status === 404
        ? 'Alerts need lighthouse, which this node does not run.' : `Alerts could not be read: ${error.message}`;
      list.replaceChildren();
      return;
    }
    alerts.sort((a, b) => (ALERT_ORDER[a.state] ?? 3) - (ALERT_ORDER[b.state] ?? 3)
      || String(b.since).localeCompare(String(a.since)));
    empty.textContent = 'No alerts.';
    empty.hidden = alerts.length > 0;
    list.replaceChildren(...alerts.slice(0, 50).map((a) => el('li', { 'data-alert-id': a.alertId },
      el('div', {}, state(a.state, 'Alert'), ' ', el('strong', {}, `${a.service}${a.environment ? ` / ${a.environment}` : ''}`),
        ` ${a.severity || ''}`),
      el('div', {}, el('code', {}, `${a.stat}(${a.metric}) ${a.op} ${a.threshold}`),
        a.value !== null && a.value !== undefined ? ` — now ${Number(a.value).toPrecision(4)}` : ''),
      el('div', { class: 'meta' }, 'since ', timeEl(a.since), a.deploymentId ? ` · during ${a.deploymentId}` : ''))));
  }

  // search ------------------------------------------------------------------------------------------

  /** oracle's snippet is escaped text with <mark>: keep exactly the text and the marks. */
  function snippet(html) {
    const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
    const out = el('p', { class: 'meta' });
    for (const node of doc.body.firstChild.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) out.append(node.textContent);
      else if (node.nodeName === 'MARK') out.append(el('mark', {}, node.textContent));
      else out.append(node.textContent || '');
    }
    return out;
  }

  async function search(q) {
    const status = $('search-status');
    const results = $('search-results');
    status.textContent = 'Searching…';
    try {
      const answer = await api(`api/v1/search?q=${enc(q)}&limit=10`);
      const hits = answer.results || [];
      status.textContent = `${hits.length} result${hits.length === 1 ? '' : 's'} for “${q}”`
        + (answer.partial ? ' (partial: some partitions did not answer)' : '');
      results.replaceChildren(...hits.map((h) => el('li', {},
        el('div', {}, el('strong', {}, h.title), ` · ${h.kind}${h.service ? ` · ${h.service}` : ''}`),
        h.snippet ? snippet(h.snippet) : '')));
    } catch (error) {
      results.replaceChildren();
      status.textContent = error.code === 'service_not_running' || error.status === 404
        ? 'Search needs oracle, which this node does not run.' : `Search failed: ${error.message}`;
    }
  }

  // live tail ---------------------------------------------------------------------------------------

  const tail = { paused: false, held: [], filter: '' };

  /** What an event is about, in a few words: its environment, step, stage and status when it has them. */
  function gist(value) {
    return ['environment', 'action', 'stage', 'status', 'state', 'instanceId'].map((name) => field(value, name))
      .filter(Boolean).join(' ');
  }

  function tailRow(event) {
    const about = gist(event.value);
    const text = `${event.topic} ${event.type} ${event.key ?? ''} ${about}`.toLowerCase();
    return el('li', { 'data-text': text, hidden: Boolean(tail.filter) && !text.includes(tail.filter) },
      el('span', { class: 'when' }, time(event.time)),
      el('span', { title: event.type }, event.type || '(no type)'),
      el('span', { title: `${event.topic} · ${event.key ?? ''}` }, `${event.key ?? ''}`),
      el('span', { class: 'about' }, about));
  }

  function addToTail(event) {
    if (tail.paused) {
      tail.held.push(event);
      if (tail.held.length > MAX_TAIL) tail.held.shift();
      $('tail-pause').textContent = `Resume (${tail.held.length} new)`;
      return;
    }
    const list = $('tail-list');
    list.prepend(tailRow(event));
    while (list.children.length > MAX_TAIL) list.lastChild.remove();
  }

  // ---- events -> panels ----------------------------------------------------------------------------

  function onEvent(event) {
    addToTail(event);
    const value = event.value || {};
    const seen = eventTime(event);
    switch (event.topic) {
      case TOPICS.deployments: {
        const id = field(value, 'deploymentId');
        if (id) {
          const status = /Finished$/.test(event.type || '') ? field(value, 'status') : null;
          deployments.touch(id, seen, { service: field(value, 'service') || event.key, version: field(value, 'version'),
            ...(status ? { status } : {}) });
        }
        touchService(field(value, 'service') || event.key);
        break;
      }
      case TOPICS.workflows: {
        const id = field(value, 'workflowId') || event.key;
        if (id) workflows.touch(id, seen, { service: field(value, 'service') });
        break;
      }
      case TOPICS.pipelines: {
        const id = field(value, 'runId') || event.key;
        if (id) pipelines.touch(id, seen, { service: field(value, 'service') });
        break;
      }
      case TOPICS.alerts:
        soon('alerts', refreshAlerts, 1_000);
        break;
      case TOPICS.instances:
      case TOPICS.health:
        touchService(field(value, 'service') || event.key);
        break;
      default:
        break;
    }
  }

  // ---- the live stream: SSE over fetch, resumed from the last id -----------------------------------

  const live = { lastId: null, backoff: BACKOFF_MIN_MS, controller: null, wake: null, topics: Object.values(TOPICS) };

  function setLive(stateName, text, detail) {
    const status = $('live-status');
    status.dataset.state = stateName;
    $('live-text').textContent = detail ? `${text} — ${detail}` : text;
  }

  /** Reads an event stream (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
  async function readEvents(body, onMessage, onComment) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let data = [];
    let type = '';
    let id = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) break; // a \r\n may be split
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (data.length) onMessage({ id, type, data: data.join('\n') });
          data = [];
          type = '';
        } else if (line.startsWith(':')) {
          onComment(line.slice(1).trim());
        } else {
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
          if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
          if (name === 'data') data.push(fieldValue);
          else if (name === 'event') type = fieldValue;
          else if (name === 'id' && !fieldValue.includes('\0')) id = fieldValue;
        }
      }
    }
  }

  class StreamDown extends Error {
    constructor(message, retryNow = false) {
      super(message);
      this.retryNow = retryNow;
    }
  }

  async function connectOnce(controller) {
    const params = new URLSearchParams({ topics: live.topics.join(','), from: live.lastId ?? 'earliest' });
    const headers = auth.headers({ Accept: 'text/event-stream' });
    if (live.lastId) headers['Last-Event-ID'] = live.lastId;
    const response = await fetch(`api/v1/stream?${params}`, { headers, cache: 'no-store', signal: controller.signal });
    if (response.status === 401) {
      auth.needed();
      throw new StreamDown('the node needs an API key (401)');
    }
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch { /* not JSON */ }
      // a node that refuses some of the topics (its services do not run here) names them: go on without them
      const refused = live.topics.filter((t) => JSON.stringify(body || {}).includes(t));
      if (response.status !== 403 && refused.length && refused.length < live.topics.length) {
        live.topics = live.topics.filter((t) => !refused.includes(t));
        throw new StreamDown(`without ${refused.join(', ')}`, true);
      }
      throw new StreamDown(`HTTP ${response.status}${body && body.code ? ` ${body.code}` : ''}`);
    }
    if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
      throw new StreamDown(`not an event stream (${response.headers.get('Content-Type')})`);
    }
    auth.accepted();
    setLive('live', 'live stream: connected');
    let stall;
    const alive = () => {
      clearTimeout(stall);
      stall = setTimeout(() => controller.abort(new StreamDown('no heartbeat for 45 s')), STALL_MS);
    };
    alive();
    let closedBecause = 'the connection closed';
    try {
      await readEvents(response.body, (message) => {
        alive();
        live.backoff = BACKOFF_MIN_MS; // it works: the next drop retries at once
        let event;
        try { event = JSON.parse(message.data); } catch { return; }
        if (!event.type && message.type) event.type = message.type;
        onEvent(event);
        if (message.id) live.lastId = message.id;
      }, (comment) => {
        alive();
        if (comment.startsWith('evicted')) closedBecause = `the node closed it (${comment})`;
      });
    } finally {
      clearTimeout(stall);
    }
    throw new StreamDown(closedBecause);
  }

  async function streamForever() {
    for (;;) {
      const controller = new AbortController();
      live.controller = controller;
      setLive('connecting', live.lastId ? 'live stream: reconnecting…' : 'live stream: connecting…');
      let reason;
      try {
        await connectOnce(controller);
      } catch (error) {
        if (error.retryNow) continue;
        reason = controller.signal.aborted && controller.signal.reason instanceof Error
          ? controller.signal.reason.message : error.message;
      }
      if (controller.signal.aborted && controller.signal.reason === 'restart') continue;
      const delay = Math.round(live.backoff * (0.8 + Math.random() * 0.4));
      live.backoff = Math.min(live.backoff * 2, BACKOFF_MAX_MS);
      setLive('down', 'live stream unavailable (reconnecting)', `${reason}; next try in ${Math.ceil(delay / 1000)} s`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        live.wake = () => { clearTimeout(timer); resolve(); };
      });
      live.wake = null;
    }
  }

  /** Reconnect now (a new API key), keeping the position. */
  function restartStream() {
    live.backoff = BACKOFF_MIN_MS;
    if (live.wake) live.wake();
    else if (live.controller) live.controller.abort('restart');
  }

  /** Subscribe to the topics of interest this build has (a build without lighthouse has no alerts topic). */
  async function knownTopics() {
    try {
      const names = new Set(((await api('api/v1/topics?limit=500')).topics || []).map((t) => t.name));
      const known = Object.values(TOPICS).filter((t) => names.has(t));
      if (known.length) live.topics = known;
    } catch { /* keep them all; the stream says what it refuses */ }
  }

  // ---- controls ------------------------------------------------------------------------------------

  function bindControls() {
    const keyInput = $('api-key');
    keyInput.value = auth.current();
    $('key-form').addEventListener('submit', (e) => {
      e.preventDefault();
      auth.save(keyInput.value.trim());
      reloadAll();
    });
    $('key-clear').addEventListener('click', () => {
      keyInput.value = '';
      auth.save('');
      reloadAll();
    });
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const q = $('search-q').value.trim();
      if (q) search(q);
    });
    $('tail-filter').addEventListener('input', (e) => {
      tail.filter = e.target.value.trim().toLowerCase();
      for (const row of $('tail-list').children) {
        row.hidden = Boolean(tail.filter) && !row.dataset.text.includes(tail.filter);
      }
    });
    $('tail-pause').addEventListener('click', (e) => {
      tail.paused = !tail.paused;
      e.target.setAttribute('aria-pressed', String(tail.paused));
      e.target.textContent = tail.paused ? 'Resume' : 'Pause';
      if (!tail.paused) {
        const held = tail.held;
        tail.held = [];
        held.forEach(addToTail);
      }
    });
  }

  function reloadAll() {
    auth.accepted();
    refreshAlerts();
    deployments.refreshAll();
    workflows.refreshAll();
    pipelines.refreshAll();
    services.forEach((s) => touchService(s.name));
    restartStream();
  }

  async function start() {
    bindControls();
    refreshAlerts();
    await knownTopics();
    streamForever();
  }

  start();
})();
