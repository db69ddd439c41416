/* The support assistant's website chat widget: one file, no build step, no dependencies but the
 * socket.io client (loaded on demand). It speaks Rasa's socket.io channel, so the server is any
 * Rasa with `socketio` in credentials.yml. Embedding and options: widget/README.md.
 *
 * How the pieces fit:
 * - Everything lives in a Shadow DOM, so the host page's styles and ours never meet.
 * - localStorage is the single source of truth: the conversation (`conv`), the messages waiting to
 *   be sent (`outbox`) or refused by the server (`failed`), the connection state. Every tab
 *   renders from it and re-renders on the `storage` event, which is how a second tab stays in step.
 * - Only one tab per browser (the leader, elected with the Web Locks API) holds the socket: it
 *   sends the outbox and writes what the bot says into the conversation. With one socket there is
 *   one copy of every bot message and one sender of every customer message.
 * - Text that came from a person is only ever shown as text; the bot's text gets light Markdown,
 *   built as DOM nodes from the text, never as HTML.
 */
(() => {
  'use strict';
  // --- DOM helpers: children are nodes or strings (strings become text nodes, never HTML) ---
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.append(...kids);
    return e;
  };
  const link = (text, href) => el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text);

  // Light Markdown for the bot: [text](http… or mailto:…), bare http(s) URLs, **bold**, *italic* / _italic_.
  const INLINE = /\[([^\]\n]+)\]\((https?:\/\/[^\s()]+|mailto:[^\s()]+)\)|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\b_([^_]+)_\b|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/gi;
  // A customer's words the bot quotes stand in curly quotes (customers/echo.py keeps curly quotes
  // out of them): shown as typed, so a customer's Markdown never becomes the bot's link or bold.
  const QUOTED = /“[^”\n]*”/g;
  const parts = (s, re, text, match) => {
    const f = document.createDocumentFragment();
    let last = 0;
    for (const m of s.matchAll(re)) {
      f.append(text(s.slice(last, m.index)), match(m));
      last = m.index + m[0].length;
    }
    f.append(text(s.slice(last)));
    return f;
  };
  const markup = (s) => parts(s, INLINE, (t) => t, (m) => (m[2] || m[6]
    ? link(m[1] || m[6], m[2] || m[6]) : el(m[3] ? 'strong' : 'em', {}, markup(m[3] || m[4] || m[5]))));
  const inline = (s) => parts(s, QUOTED, markup, (m) => m[0]);
  const BULLET = /^\s*[-*•]\s+(.*)$/;
  const markdown = (text) => {
    const f = document.createDocumentFragment();
    let list = null;
    text.split('\n').forEach((line, i) => {
      const bullet = BULLET.exec(line);
      if (bullet) {
        if (!list) f.append((list = el('ul')));
        list.append(el('li', {}, inline(bullet[1])));
        return;
      }
      if (i && !list) f.append(el('br'));
      list = null;
      f.append(inline(line));
    });
    return f;
  };

  // The agent desk loads this file with data-markdown-only for `markdown` alone, so agents see the
  // bot's answers exactly as customers did, from this one renderer; no widget is made then.
  if (document.currentScript && document.currentScript.hasAttribute('data-markdown-only')) {
    window.supportMarkdown = markdown;
    return;
  }
  if (window.supportWidgetLoaded) return; // the tag was pasted twice
  window.supportWidgetLoaded = true;

  const BASE = (document.currentScript && document.currentScript.src) || location.href;
  const cfg = {
    serverUrl: location.origin, // the Rasa server
    socketPath: '/socket.io/',
    socketioUrl: '', // default: vendor/socket.io.min.js next to this file
    title: 'Support',
    greeting: '',
    initPayload: '/greet',
    customer: {},
    colors: {},
    strings: {},
    storageKey: 'support-widget',
    ...window.SupportWidgetConfig,
  };
  const STRINGS = {
    open: 'Open chat', close: 'Close chat', unread: '{n} unread', messages: 'Conversation',
    placeholder: 'Type your message…', input: 'Your message', send: 'Send',
    you: 'You', bot: 'Assistant', notSent: 'Waiting to send', refused: 'Not sent.', retry: 'Try again',
    offline: 'Connection lost. We will send your messages when you are back online.',
    queued: 'Connecting you to a person… you are number {position}, about {eta_minutes} min.',
    queuedNoPlace: 'Connecting you to a person…',
    withAgent: 'You are chatting with {agent}.',
    joined: '{agent} joined the chat.', ended: 'You are back with the virtual assistant.',
    rateTitle: 'How would you rate this chat?', stars: '{n} of 5', rateComment: 'Comment (optional)',
    rateSubmit: 'Send rating', rateThanks: 'Thank you for your feedback!',
    ...cfg.strings,
  };
  const t = (key, vars = {}) => STRINGS[key].replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  const MAX_ITEMS = 200;
  const WAIT_MS = 20000; // how long the typing indicator waits for a reply

  // --- storage: localStorage, or memory when the browser refuses it (private modes) ---
  const mem = {};
  const load = (k, fallback) => {
    try {
      return JSON.parse(localStorage.getItem(`${cfg.storageKey}.${k}`)) ?? fallback;
    } catch {
      return mem[k] ?? fallback;
    }
  };
  const save = (k, v) => {
    mem[k] = v;
    try { localStorage.setItem(`${cfg.storageKey}.${k}`, JSON.stringify(v)); } catch { /* memory only */ }
  };
  const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  const conv = () => load('conv', { session: null, items: [], handoff: null });
  const update = (change) => {
    const c = conv();
    change(c);
    c.items = c.items.slice(-MAX_ITEMS);
    save('conv', c);
    render();
  };
  const push = (c, item) => c.items.push({ id: rid(), t: Date.now(), ...item });
  // A conversation belongs to the signed-in customer it started with: when the page's signed
  // identity changes or goes (signed out on a shared computer), the next visitor starts afresh and
  // never sees, continues or adds to the earlier customer's chat, nor sends what they left unsent;
  // nor keeps the browser id that now links to that customer's contacts. (Signing in keeps it, so
  // a visitor's chats before signing in join their history.)
  const who = cfg.customer.signature ? `${cfg.customer.id || ''}\n${cfg.customer.email || ''}` : '';
  if (load('who', '') !== who) {
    ['conv', 'outbox', 'failed', 'greeted', 'seen'].forEach((k) => save(k, null));
    if (load('who', '')) save('browser', null);
    save('who', who);
  }
  if (!load('browser')) save('browser', rid());

  // --- the skeleton (a constant: nothing from the config or the conversation goes in as HTML) ---
  const ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
  const ICON_SEND = '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z"/></svg>';
  const CSS = `
:host{all:initial!important}
*{box-sizing:border-box}
.w{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;--p:#1f5c4a;--on:#fff}
button{font:inherit;cursor:pointer}
.launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;background:var(--p);color:var(--on);box-shadow:0 4px 14px rgba(0,0,0,.3);display:grid;place-items:center}
.launch svg{width:28px;height:28px}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b3261e;color:#fff;font-size:12px;font-weight:700;line-height:22px}
.panel{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:380px;height:min(620px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 10px 36px rgba(0,0,0,.28);overflow:hidden}
[hidden]{display:none!important}
header{background:var(--p);color:var(--on);padding:12px 8px 12px 16px;display:flex;align-items:center;gap:8px}
h2{font-size:17px;margin:0}
header p{margin:0;font-size:13px}
.x{margin-left:auto;width:40px;height:40px;border:0;border-radius:8px;background:none;color:inherit;font-size:26px;line-height:1}
.status,.banner{padding:8px 16px;font-size:14px}
.status{background:#fff3d1;color:#4d3800}
.banner{background:#8c1d18;color:#fff}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;background:#f5f6f7}
.msg{max-width:86%;display:flex;flex-direction:column;align-items:flex-start}
.msg.user{align-self:flex-end;align-items:flex-end}
.bubble{padding:9px 12px;border-radius:14px;background:#fff;border:1px solid #dde1e5;white-space:pre-wrap;overflow-wrap:anywhere}
.user .bubble{background:var(--p);border-color:var(--p);color:var(--on)}
.agent .bubble{background:#e7f0fe;border-color:#b9d0f5}
.bubble ul{margin:4px 0;padding-left:20px;white-space:normal}
a{color:#0b57d0}
.who{font-size:12px;font-weight:600;color:#3c4043}
time,.state{font-size:11px;color:#5f6368;margin-top:2px}
.retry{border:0;background:none;color:#0b57d0;text-decoration:underline;font-size:12px;padding:2px 0}
.note{align-self:center;max-width:90%;text-align:center;font-size:13px;color:#3c4043;background:#e8eaed;padding:6px 12px;border-radius:10px}
.qrs{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.qr{border:1px solid var(--p);border-radius:16px;background:#fff;color:var(--p);padding:6px 12px;font-size:14px;text-align:left}
.qr:hover{background:var(--p);color:var(--on)}
.old .qrs{display:none}
:focus-visible,.stars label:focus-within{outline:3px solid #1a73e8;outline-offset:2px}
.rating{align-self:stretch;background:#fff;border:1px solid #dde1e5;border-radius:14px;padding:10px 12px}
fieldset{border:0;margin:0;padding:0}
legend{padding:0;font-weight:600}
.stars label{font-size:28px;color:#80868b;cursor:pointer;padding:0 2px}
.stars label.on{color:#a05a00}
.rating textarea{width:100%;margin:6px 0}
.typing{align-self:flex-start;padding:10px 14px;background:#fff;border:1px solid #dde1e5;border-radius:14px}
.typing i{display:inline-block;width:7px;height:7px;margin:0 2px;border-radius:50%;background:#5f6368;animation:b 1.2s infinite}
.typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}
@keyframes b{0%,60%,100%{opacity:.3}30%{opacity:1}}
.send{display:flex;gap:8px;padding:10px;border-top:1px solid #dde1e5}
textarea{flex:1;resize:none;font:inherit;padding:8px 10px;border:1px solid #80868b;border-radius:10px;max-height:120px}
.sendb,.rating button{border:0;border-radius:10px;background:var(--p);color:var(--on);padding:0 14px;min-height:40px}
.sendb svg{width:22px;height:22px;vertical-align:middle}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel{inset:0;width:auto;height:auto;border-radius:0}.is-open .launch{display:none}}
@media (prefers-reduced-motion:reduce){.typing i{animation:none}}`;

  const host = document.createElement('support-chat-widget');
  const root = host.attachShadow({ mode: 'open' });
  // The input's maxlength is what the server keeps of a message (MAX_FULL_TEXT_CHARS, rasa_ext/input_rules.py).
  root.innerHTML = `<style>${CSS}</style><div class="w" id="w">
<button type="button" class="launch" id="launch" aria-controls="panel" aria-expanded="false">${ICON_CHAT}<span class="badge" id="badge" aria-hidden="true" hidden></span></button>
<div class="panel" id="panel" role="dialog" aria-labelledby="title" hidden>
<header><div><h2 id="title"></h2><p id="sub"></p></div><button type="button" class="x" id="close">×</button></header>
<div class="status" id="status" role="status" hidden></div>
<div class="banner" id="banner" role="alert" hidden></div>
<div class="log" id="log" role="log" aria-live="polite" tabindex="0"><div class="typing" id="typing" aria-hidden="true" hidden><i></i><i></i><i></i></div></div>
<form class="send" id="form"><textarea id="input" rows="1" maxlength="20000"></textarea><button class="sendb" id="send">${ICON_SEND}</button></form>
</div></div>`;
  const $ = (id) => root.getElementById(id);
  const [wrap, launcher, badge, panel, logEl, typing, form, input] =
    ['w', 'launch', 'badge', 'panel', 'log', 'typing', 'form', 'input'].map($);
  // Colours go in as CSS values, never into the markup.
  if (cfg.colors.primary) wrap.style.setProperty('--p', cfg.colors.primary);
  if (cfg.colors.onPrimary) wrap.style.setProperty('--on', cfg.colors.onPrimary);
  $('title').textContent = cfg.title;
  $('sub').textContent = cfg.greeting;
  $('close').setAttribute('aria-label', t('close'));
  $('send').setAttribute('aria-label', t('send'));
  $('banner').textContent = t('offline');
  logEl.setAttribute('aria-label', t('messages'));
  input.placeholder = t('placeholder');
  input.setAttribute('aria-label', t('input'));

  // --- rendering: the log is kept in step with conv().items, reusing nodes (keeps focus) ---
  const fmtTime = (ms) => new Date(ms).toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit' });
  const nodes = new Map();

  const itemEl = (m) => {
    if (m.from === 'note') return el('div', { class: 'note' }, m.text);
    if (m.from === 'rating') return m.done ? el('div', { class: 'note' }, t('rateThanks')) : ratingEl(m);
    const who = { user: t('you'), bot: t('bot'), agent: m.agent }[m.from];
    const box = el('div', { class: `msg ${m.from}` },
      el('span', { class: m.from === 'agent' ? 'who' : 'sr' }, who),
      // only the bot's own text gets Markdown; what people wrote stays text
      el('div', { class: 'bubble' }, m.from === 'bot' ? markdown(m.text) : m.text),
      el('time', { datetime: new Date(m.t).toISOString() }, fmtTime(m.t)));
    if (m.from === 'user') {
      const retry = el('button', { type: 'button', class: 'retry', hidden: '' }, t('retry'));
      retry.onclick = () => resend(m.id);
      box.append(el('span', { class: 'state' }), retry);
    }
    if (m.buttons && m.buttons.length) {
      box.append(el('div', { class: 'qrs' }, ...m.buttons.map((b) => {
        const button = el('button', { type: 'button', class: 'qr' }, b.title);
        button.onclick = () => { send(b.payload, b.title); input.focus(); };
        return button;
      })));
    }
    return box;
  };

  const ratingEl = (m) => {
    const stars = el('div', { class: 'stars' });
    for (let n = 1; n <= 5; n++) {
      stars.append(el('label', { title: t('stars', { n }) },
        el('input', { type: 'radio', name: 'score', value: n, class: 'sr', required: '' }),
        el('span', { 'aria-hidden': 'true' }, '★'), el('span', { class: 'sr' }, t('stars', { n }))));
    }
    const comment = el('textarea', { name: 'comment', rows: 2, maxlength: 500, 'aria-label': t('rateComment'), placeholder: t('rateComment') });
    const formEl = el('form', { class: 'rating' }, el('fieldset', {}, el('legend', {}, t('rateTitle')), stars), comment,
      el('button', { type: 'submit' }, t('rateSubmit')));
    formEl.onchange = () => {
      const score = Number(formEl.score.value);
      stars.querySelectorAll('label').forEach((label, i) => label.classList.toggle('on', i < score));
    };
    formEl.onsubmit = (e) => {
      e.preventDefault();
      const entities = { score: Number(formEl.score.value) };
      if (comment.value.trim()) entities.comment = comment.value.trim();
      if (m.ticket) entities.ticket = String(m.ticket); // a chat with a person; none: the bot
      send(`/rate${JSON.stringify(entities)}`, null);
      update((c) => { const item = c.items.find((i) => i.id === m.id); if (item) item.done = true; });
      input.focus();
    };
    return formEl;
  };

  // Whether the panel is open is per tab, and survives navigation and reloads in that tab.
  const openKey = `${cfg.storageKey}.open`;
  let isOpen = false;
  try { isOpen = sessionStorage.getItem(openKey) === '1'; } catch { /* storage disabled */ }
  let typingTimer;

  function render() {
    const c = conv();
    const pending = new Set(load('outbox', []).map((m) => m.id));
    const refused = new Set(load('failed', []).map((m) => m.id));
    const wanted = new Set();
    let prev = null;
    let added = false;
    c.items.forEach((m, i) => {
      const key = m.id + (m.done ? '.done' : '');
      wanted.add(key);
      let node = nodes.get(key);
      if (!node) { nodes.set(key, (node = itemEl(m))); added = true; }
      const expected = prev ? prev.nextSibling : logEl.firstChild;
      if (node !== expected) logEl.insertBefore(node, expected);
      node.classList.toggle('old', i < c.items.length - 1); // buttons answer only the latest message
      const state = node.querySelector('.state');
      if (state) {
        state.textContent = pending.has(m.id) ? t('notSent') : refused.has(m.id) ? t('refused') : '';
        node.querySelector('.retry').hidden = !refused.has(m.id);
      }
      prev = node;
    });
    for (const [key, node] of nodes) if (!wanted.has(key)) { node.remove(); nodes.delete(key); }

    const handoff = c.handoff || {};
    const status = $('status');
    status.textContent = handoff.state === 'queued' ? t(handoff.position ? 'queued' : 'queuedNoPlace', handoff)
      : handoff.state === 'with_agent' && handoff.agent ? t('withAgent', handoff) : '';
    status.hidden = !status.textContent;
    const offline = load('status') === 'offline' || !navigator.onLine;
    $('banner').hidden = !offline;

    // Typing: something was sent less than WAIT_MS ago and nothing has come back since.
    const sent = load('sent', 0);
    const left = sent + WAIT_MS - Date.now();
    typing.hidden = offline || left <= 0 || handoff.state === 'with_agent' || c.items.some((m) => m.from !== 'user' && m.t >= sent);
    clearTimeout(typingTimer);
    if (!typing.hidden) typingTimer = setTimeout(render, left);

    const incoming = c.items.filter((m) => m.from !== 'user' && m.from !== 'note');
    const lastIn = incoming.length ? incoming[incoming.length - 1].t : 0;
    if (isOpen && load('seen', 0) < lastIn) save('seen', lastIn);
    const unread = incoming.filter((m) => m.t > load('seen', 0)).length;
    badge.textContent = unread;
    badge.hidden = !unread;
    launcher.setAttribute('aria-label', unread ? `${t('open')}, ${t('unread', { n: unread })}` : t(isOpen ? 'close' : 'open'));
    if (added || !typing.hidden) logEl.scrollTop = logEl.scrollHeight;
  }

  function setOpen(open, moveFocus = true) {
    isOpen = open;
    try { sessionStorage.setItem(openKey, open ? '1' : '0'); } catch { /* storage disabled */ }
    panel.hidden = !open;
    wrap.classList.toggle('is-open', open);
    launcher.setAttribute('aria-expanded', String(open));
    if (open && !load('greeted') && cfg.initPayload) { save('greeted', true); send(cfg.initPayload, null); }
    if (moveFocus) (open ? input : launcher).focus();
    render();
    logEl.scrollTop = logEl.scrollHeight;
  }

  // --- sending: everything goes through the outbox, so nothing typed is lost while offline ---
  function send(payload, shown) {
    const id = rid();
    if (shown !== null) update((c) => push(c, { id, from: 'user', text: shown }));
    save('outbox', [...load('outbox', []), { id, text: payload, page: location.pathname }]);
    render();
    if (leader) flush();
  }

  // A message the server refused stays in view, marked, until the customer sends it again.
  function resend(id) {
    const failed = load('failed', []);
    save('failed', failed.filter((x) => x.id !== id));
    save('outbox', [...load('outbox', []), ...failed.filter((x) => x.id === id)]);
    render();
    if (leader) flush();
  }

  form.onsubmit = (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    send(text, text);
  };
  input.onkeydown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  };
  launcher.onclick = () => setOpen(!isOpen);
  $('close').onclick = () => setOpen(false);
  panel.onkeydown = (e) => { if (e.key === 'Escape') setOpen(false); };

  // --- the connection (leader tab only) ---
  let leader = false;
  let socket = null;
  let connecting = null;
  let ready = false; // connected and the session confirmed: safe to emit

  const setStatus = (s) => { if (load('status') !== s) save('status', s); render(); };

  const loadIo = () => window.io ? Promise.resolve(window.io) : new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = cfg.socketioUrl || new URL('vendor/socket.io.min.js', BASE).href;
    s.onload = () => resolve(window.io);
    s.onerror = () => { s.remove(); reject(); };
    document.head.append(s);
  });

  function connect() {
    if (socket) { if (!socket.connected && navigator.onLine) socket.connect(); return; }
    if (connecting) return;
    connecting = loadIo().then((io) => {
      socket = io(cfg.serverUrl, { path: cfg.socketPath });
      socket.on('connect', () => socket.emit('session_request', { session_id: conv().session }));
      socket.on('session_confirm', (id) => {
        update((c) => {
          if (c.session === id) return;
          if (c.session) { c.items = []; c.handoff = null; } // the server started a new conversation
          c.session = id;
        });
        ready = true;
        setStatus('online');
        flush();
      });
      socket.on('bot_uttered', receive);
      // Comes with the acknowledgement of a refused message, or alone for a packet the server
      // could not read (no acknowledgement then): either way the message in flight is settled.
      socket.on('user_uttered_error', (error) => { if (inFlight) settle(inFlight, error); });
      socket.on('disconnect', () => { ready = false; inFlight = null; setStatus('offline'); });
      socket.on('connect_error', () => setStatus('offline'));
    }, () => { connecting = null; setStatus('offline'); }); // retried on the next send or `online`
  }

  // Emits the outbox in order, one message at a time: the next leaves once the server has taken
  // the last (its acknowledgement). A message stays in the outbox, shown "Waiting to send", until
  // then: when the conversation's backlog is full the server answers {retry_after} and it is sent
  // again after that many seconds; if the connection drops first, it is sent again on reconnect.
  // Refused for good ({error}), or not acknowledged within ACK_MS, it moves to `failed`: shown
  // "Not sent." with a button to send it again, and the messages after it go on.
  // A Rasa without our channel acknowledges with nothing, which counts as taken.
  const ACK_MS = 30000;
  let inFlight = null; // the current attempt: {m, timer}
  let retryTimer = null;
  function flush() {
    if (!(ready && socket.connected && navigator.onLine)) return connect();
    const [m] = load('outbox', []);
    if (!m || inFlight || retryTimer) return render();
    // `signature`: the website's HMAC of id and e-mail (widget/README.md), passed on unchanged.
    const customer = Object.fromEntries(['id', 'name', 'email', 'signature'].filter((k) => cfg.customer[k]).map((k) => [k, String(cfg.customer[k])]));
    const attempt = { m };
    attempt.timer = setTimeout(() => settle(attempt, { error: 'no acknowledgement' }), ACK_MS);
    inFlight = attempt;
    socket.emit('user_uttered', {
      message: m.text,
      session_id: conv().session,
      metadata: { customer, browser_id: load('browser'), page: m.page },
    }, (ack) => settle(attempt, ack));
    render();
  }

  function settle(attempt, ack) {
    const { m } = attempt;
    clearTimeout(attempt.timer);
    if (inFlight !== attempt) { // settled already, or the connection dropped (it is sent again)
      const failed = load('failed', []);
      // Taken after all, after ACK_MS: no longer "Not sent."
      if (!(ack && ack.error) && failed.some((x) => x.id === m.id)) save('failed', failed.filter((x) => x.id !== m.id));
      return render();
    }
    inFlight = null;
    if (ack && ack.retry_after) {
      retryTimer = setTimeout(() => { retryTimer = null; if (leader) flush(); }, ack.retry_after * 1000);
      return;
    }
    save('outbox', load('outbox', []).filter((x) => x.id !== m.id));
    if (ack && ack.error) save('failed', [...load('failed', []), m]);
    else save('sent', Date.now());
    flush();
  }

  // What the client receives for a bot message: {text}, {text, quick_replies} or {text, buttons};
  // a custom payload (BotUttered data.custom = {"data": {...}}) arrives as that inner object.
  function receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type) return custom(msg);
    const buttons = (msg.quick_replies || msg.buttons || []).map((b) => ({ title: b.title, payload: b.payload }));
    if (msg.text || buttons.length) update((c) => push(c, { from: 'bot', text: msg.text || '', buttons }));
  }

  function custom(p) {
    if (p.type === 'handoff_status') update((c) => { c.handoff = { ...p }; });
    if (p.type === 'agent_joined') update((c) => { c.handoff = { state: 'with_agent', agent: p.agent }; push(c, { from: 'note', text: t('joined', p) }); });
    if (p.type === 'agent_message') update((c) => push(c, { from: 'agent', agent: String(p.agent || ''), text: String(p.text || '') }));
    if (p.type === 'handoff_ended') update((c) => { c.handoff = null; push(c, { from: 'note', text: t('ended') }); });
    if (p.type === 'rating_request') update((c) => push(c, { from: 'rating', ticket: p.ticket }));
  }

  const lead = () => {
    leader = true;
    setStatus('idle');
    if (conv().session || load('outbox', []).length) connect();
    return new Promise(() => {}); // hold the lock for the life of the page
  };
  // One leader per browser; without Web Locks (old browsers, plain http) every tab leads itself.
  if (navigator.locks) navigator.locks.request(`${cfg.storageKey}.leader`, lead); else lead();

  addEventListener('storage', (e) => {
    if (e.key && !e.key.startsWith(`${cfg.storageKey}.`)) return;
    if (leader && e.key === `${cfg.storageKey}.outbox`) flush(); // another tab queued a message
    render();
  });
  addEventListener('offline', () => { if (socket) socket.disconnect(); ready = false; setStatus('offline'); });
  addEventListener('online', () => { if (leader && (socket || load('outbox', []).length)) connect(); render(); });

  if (document.body) document.body.append(host);
  else addEventListener('DOMContentLoaded', () => document.body.append(host));
  if (isOpen) setOpen(true, false); else render();
})();
