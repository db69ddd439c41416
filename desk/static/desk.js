// The agent desk in the browser: live queue, live conversation, actions, heartbeat.
// Everything shown that came from a customer or a colleague is set with textContent, never innerHTML.
'use strict';

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const HEARTBEAT_MS = 15000;
  const RECONNECT_MS = 5000;
  let clockOffset = 0; // server time minus browser time, in seconds

  // el('li', {class: 'row'}, 'text', child) -> element; strings become text nodes.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('data-')) node.setAttribute(key, String(value));
      else node[key] = value;
    }
    for (const child of children) if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const now = () => Date.now() / 1000 + clockOffset;
  const baseTitle = document.title;

  function problem(message) {
    const box = document.getElementById('problem');
    box.textContent = message || '';
    box.hidden = !message;
  }

  async function post(url, body = {}) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { error: "The desk can't be reached. Check your connection and try again." };
    }
    if (response.status === 401) { location.href = `/desk/login?next=${encodeURIComponent(location.pathname)}`; return {}; }
    try { return await response.json(); } catch (error) { return { error: `The desk answered ${response.status}.` }; }
  }

  // An EventSource that reconnects by itself even after an error status (EventSource gives up then).
  function live(url, handlers) {
    let source;
    const open = () => {
      source = new EventSource(url);
      for (const [name, handle] of Object.entries(handlers)) {
        source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
      }
      source.addEventListener('problem', (event) => problem(JSON.parse(event.data).error));
      source.addEventListener('open', () => problem(''));
      source.onerror = () => {
        problem('Live updates are interrupted; reconnecting…');
        if (source.readyState === EventSource.CLOSED) setTimeout(open, RECONNECT_MS);
      };
    };
    open();
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    if (s < 172800) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
    return `${Math.floor(s / 86400)} days`;
  }

  // Countdown text and class for elements with data-deadline (and data-created), refreshed every second.
  function tick() {
    const t = now();
    for (const node of document.querySelectorAll('[data-deadline]')) {
      const deadline = Number(node.dataset.deadline);
      const total = deadline - Number(node.dataset.created || deadline);
      const left = deadline - t;
      node.classList.toggle('missed', left <= 0);
      // Warn in the last quarter of the response target (15 s of a minute, 6 h of a day).
      node.classList.toggle('warn', left > 0 && left <= Math.max(total / 4, 10));
      node.textContent = left > 0 ? `answer within ${duration(left)}` : `target missed ${duration(-left)} ago`;
    }
    for (const node of document.querySelectorAll('[data-since]')) {
      node.textContent = `waiting ${duration(t - Number(node.dataset.since))}`;
    }
    // The warning reaches an agent working in another tab too: the tab's title counts the
    // waiting customers whose response target is near or missed.
    const waiting = document.getElementById('waiting');
    if (waiting) {
      const due = waiting.querySelectorAll('.deadline.warn, .deadline.missed').length;
      document.title = due ? `(${due} due) ${baseTitle}` : baseTitle;
    }
  }

  // ---- The queue page ------------------------------------------------------------------------

  function reasonBadges(reasons) {
    return reasons.map((r) => {
      const quote = el('q', {}, r.quote);
      return el('details', { class: 'reason' },
        el('summary', { class: `badge reason-${r.kind}`, title: r.quote }, r.detail || r.kind), quote);
    });
  }

  function row(item, opts) {
    const link = el('a', { href: `/desk/conversations/${encodeURIComponent(item.ticket)}`, class: 'ticket' }, item.ticket);
    const marks = el('span', { class: 'marks' },
      el('span', { class: `badge prio-${item.priority}` }, item.priority_name),
      item.audience === 'supervisors' ? el('span', { class: 'badge super' }, 'supervisor queue') : null,
      item.flagged ? el('span', { class: 'badge flag', title: 'Flagged earlier for abuse: be prepared' }, 'flagged customer') : null,
      item.repeat_contacts ? el('span', { class: 'badge repeat', title: 'Earlier unresolved contacts' }, `repeat ×${item.repeat_contacts}`) : null,
      item.category ? el('span', { class: item.your_skill ? 'badge skill' : 'badge', title: item.your_skill ? 'One of your skills' : 'Topic' },
        item.your_skill ? `${item.category} · your skill` : item.category) : null);
    const line = el('div', { class: 'line' }, link, marks);
    if (opts.waiting) {
      line.append(el('span', { class: 'since', 'data-since': item.created_at }),
        el('span', { class: 'deadline', 'data-created': item.created_at, 'data-deadline': item.deadline_at }));
    }
    if (item.agent && opts.showAgent) line.append(el('span', { class: 'agent' }, `with ${item.agent}`));
    const body = el('div', { class: 'body' },
      item.customer ? el('b', {}, item.customer,
        item.unverified ? el('small', { class: 'badge unverified', title: 'The website did not sign these details' }, 'not verified') : null,
        ': ') : null, item.issue || '');
    const node = el('li', { class: 'row', 'data-ticket': item.ticket }, line, body);
    if (item.reasons.length) node.append(el('div', { class: 'reasons' }, ...reasonBadges(item.reasons)));
    if (opts.tickets && item.contact_details) node.append(el('div', { class: 'contact pre' }, item.contact_details));
    if (opts.claim) {
      const button = el('button', { class: 'primary claim', type: 'button' }, 'Take');
      button.addEventListener('click', () => claim(item.ticket, button));
      node.append(button);
    }
    return node;
  }

  async function claim(ticket, button) {
    button.disabled = true;
    const result = await post(`/desk/api/conversations/${encodeURIComponent(ticket)}/claim`);
    if (result.ok) { location.href = `/desk/conversations/${encodeURIComponent(ticket)}`; return; }
    button.disabled = false;
    // Outside the list: the next live update re-renders the rows.
    const flash = document.getElementById('flash');
    flash.textContent = `${ticket}: ${result.error || 'Could not take it.'}`;
    flash.hidden = false;
  }

  function fill(id, items, opts, emptyText) {
    const list = document.getElementById(id);
    if (!list) return;
    list.replaceChildren(...(items.length ? items.map((item) => row(item, opts)) : [el('li', { class: 'empty' }, emptyText)]));
  }

  function renderQueue(data) {
    clockOffset = data.now - Date.now() / 1000;
    fill('waiting', data.waiting, { waiting: true, claim: true }, 'Nobody is waiting.');
    document.getElementById('waiting-count').textContent = data.waiting.length ? `(${data.waiting.length})` : '';
    fill('mine', data.mine, {}, 'None open.');
    if (data.others) fill('others', data.others, { showAgent: true }, 'None open.');
    fill('tickets', data.tickets, { waiting: true, tickets: true }, 'No open tickets.');
    document.getElementById('online').textContent = data.online.length
      ? `Online: ${data.online.join(', ')}` : 'Nobody is online: new requests become tickets.';
    const ratings = document.getElementById('summary-ratings');
    if (ratings && data.summary_ratings) {
      ratings.replaceChildren(...data.summary_ratings.map((r) => el('li', {}, `${r.label}: `, el('b', {}, r.count))));
    }
    tick();
  }

  // ---- Outcomes of actions ------------------------------------------------------------------

  const FLASH_KEY = 'desk.flash';

  function showFlash(result) {
    const flash = document.getElementById('flash');
    flash.hidden = false;
    flash.className = result.error || result.warning ? 'flash error' : 'flash';
    flash.textContent = result.error || [result.message, result.warning].filter(Boolean).join(' ');
  }

  /** Open `url` (without one, reload this page) and show `result` there. */
  function goWith(result, url) {
    sessionStorage.setItem(FLASH_KEY, JSON.stringify(result));
    if (url) location.href = url; else location.reload();
  }

  // ---- The conversation page -----------------------------------------------------------------

  const WHO = { customer: 'Customer', bot: 'Bot', agent: 'Agent', note: 'Note', system: '' };

  function lineNode(line) {
    const time = new Date(line.at * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const who = line.name || WHO[line.who] || line.who;
    return el('li', { class: `line ${line.who}` },
      el('span', { class: 'meta' }, who ? `${who} · ${time}` : time),
      // The bot's answers as the customer saw them (the widget's Markdown, built as DOM nodes,
      // never HTML); what people wrote stays text.
      el('span', { class: 'text' }, line.who === 'bot' ? window.supportMarkdown(line.text) : line.text));
  }

  function conversation(root) {
    const ticket = root.dataset.ticket;
    const api = (action) => `/desk/api/conversations/${encodeURIComponent(ticket)}/${action}`;
    const transcript = document.getElementById('transcript');
    const flash = document.getElementById('flash');
    clockOffset = Number(root.dataset.now) - Date.now() / 1000;

    const scrollDown = () => { transcript.scrollTop = transcript.scrollHeight; };
    // While this page's own action is in flight, its answer (not the live stream) reloads the page.
    let acting = false;

    live(`/desk/conversations/${encodeURIComponent(ticket)}/events`, {
      transcript: (lines) => {
        transcript.replaceChildren(...(lines.length ? lines.map(lineNode) : [el('li', { class: 'empty' }, 'No messages yet.')]));
        scrollDown();
      },
      line: (line) => { transcript.querySelector('.empty')?.remove(); transcript.append(lineNode(line)); scrollDown(); },
      handoff: (state) => {
        // Someone else changed who has it or its state: the controls differ, so reload the page.
        if (state.state !== root.dataset.state || (state.agent || '') !== root.dataset.agent) {
          if (!acting) location.reload();
          return;
        }
        const rating = document.getElementById('rating');
        if (state.rating) rating.textContent = `Customer rating: ${state.rating.score}/5${state.rating.comment ? ` “${state.rating.comment}”` : ''}`;
      },
    });

    for (const button of root.querySelectorAll('button[data-action]')) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        acting = true;
        const result = await post(api(button.dataset.action), { value: button.dataset.value || '' });
        acting = false;
        button.disabled = false;
        showFlash(result);
        if (result.ok && button.dataset.action === 'summary-rating') {
          for (const other of root.querySelectorAll('[data-action="summary-rating"]')) other.classList.toggle('chosen', other === button);
        } else if (result.ok) {
          goWith(result); // the controls changed: reload, and show the outcome after
        }
      });
    }
    for (const form of root.querySelectorAll('form[data-action]')) {
      const send = async () => {
        const fields = Object.fromEntries(new FormData(form).entries());
        const submit = form.querySelector('button[type="submit"]');
        submit.disabled = true;
        acting = true;
        const result = await post(api(form.dataset.action), fields);
        acting = false;
        submit.disabled = false;
        // Passed on, the conversation is someone else's now: back to the queue, with the outcome.
        if (result.ok && form.dataset.action === 'transfer') { goWith(result, '/desk'); return; }
        if (result.ok) { form.reset(); flash.hidden = true; } else showFlash(result); // on failure the text stays
        if (result.warning) showFlash(result);
      };
      form.addEventListener('submit', (event) => { event.preventDefault(); send(); });
      const box = form.querySelector('textarea');
      box?.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); if (box.value.trim()) send(); }
      });
    }
  }

  // ---- The KB editor: try a question against the draft (gate, G) -----------------------------

  function tryPanel(panel) {
    const form = panel.querySelector('.try-form');
    const draft = document.getElementById('entry-form');
    const results = panel.querySelector('.try-results');
    const trouble = panel.querySelector('.try-problem');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const fields = Object.fromEntries(new FormData(draft).entries());
      delete fields.csrf;
      const button = form.querySelector('button');
      button.disabled = true;
      const result = await post(panel.dataset.url, { ...fields, question: form.elements.question.value });
      button.disabled = false;
      trouble.textContent = result.error || '';
      trouble.hidden = !result.error;
      results.hidden = Boolean(result.error);
      if (result.error) return;
      for (const side of ['live', 'draft']) {
        const box = results.querySelector(`[data-side="${side}"]`);
        const shown = result[side];
        box.dataset.decision = shown.decision;
        box.querySelector('.says').textContent = shown.decision === 'answer' ? `Answers: ${shown.says}` : shown.says;
        box.querySelector('.hits').replaceChildren(...shown.hits.map(
          (hit) => el('li', { 'data-entry': hit.id }, `${hit.title} `, el('span', { class: 'score' }, hit.score.toFixed(3)))));
      }
    });
  }

  // ---- Every page ----------------------------------------------------------------------------

  if (document.body.dataset.heartbeat) {
    const beat = async () => {
      const result = await post('/desk/api/heartbeat');
      if (result.error) problem(result.error);
    };
    beat();
    setInterval(beat, HEARTBEAT_MS);
  }
  const kept = sessionStorage.getItem(FLASH_KEY);
  if (kept && document.getElementById('flash')) { sessionStorage.removeItem(FLASH_KEY); showFlash(JSON.parse(kept)); }
  if (document.body.dataset.page === 'queue') live('/desk/events', { queue: renderQueue });
  const root = document.getElementById('conversation');
  if (root) conversation(root);
  // The KB answers a customer read (conversation page), shown as the widget showed them; the
  // Markdown as sent stays beside them, as text.
  for (const shown of document.querySelectorAll('.shown-text[data-markdown]')) {
    shown.replaceChildren(window.supportMarkdown(shown.textContent));
  }
  const tryBox = document.getElementById('try');
  if (tryBox) tryPanel(tryBox);
  setInterval(tick, 1000);
  tick();
})();
