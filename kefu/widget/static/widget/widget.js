/*
 * Kefu chat widget (the page inside the iframe). Speaks /ws/chat/ (docs/chat-protocol.md)
 * and the chat REST API (docs/api.md). No framework, no inline script: the page's strings
 * and settings come from the JSON block #kefu-widget-config.
 *
 * Lossless by the protocol's rules: every message is "pending" until its ack; after a
 * reconnect every pending one is sent again with the same client_msg_id; messages are
 * applied only when their seq is above the last one applied.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("kefu-widget-config").textContent);
  var S = cfg.strings;
  var STORE = "kefu.chat.v1";
  var $ = function (id) { return document.getElementById(id); };
  var log = $("kw-log"), input = $("kw-input"), fileInput = $("kw-file");

  var state = {
    token: null, account: false, conv: null, status: null, lastSeq: 0,
    ws: null, ready: false, attempts: 0, timer: null, stopped: false,
    agentRead: 0, parentOrigin: null, heard: 0, shown: window.parent === window
  };
  var items = {};        // client_msg_id -> {el, body, seq, attachments}
  var pending = [];      // client_msg_ids not acked yet, in order
  var bySeq = {};        // seq -> element

  function fmt(text, vars) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
  }
  function stored() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
  }
  function store(patch) {
    var data = stored();
    Object.keys(patch).forEach(function (k) { data[k] = patch[k]; });
    try { window.localStorage.setItem(STORE, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function banner(text) {
    var b = $("kw-banner");
    b.textContent = text || "";
    b.hidden = !text;
  }
  function localTime(iso) {
    var d = new Date(iso);
    var opts = { weekday: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    try { return new Intl.DateTimeFormat(cfg.lang === "en" ? "en" : "zh-CN", opts).format(d); }
    catch (e) { return d.toLocaleString(); }
  }
  function api(path, options) {
    options = options || {};
    var headers = options.headers || {};
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    headers["Accept-Language"] = cfg.lang;
    options.headers = headers;
    return fetch(cfg.api + path, options);
  }

  /* ---- live hours and queue ---- */
  function showHours(h) {
    var p = $("kw-hours");
    if (!h) { p.textContent = ""; return; }
    if (h.open_now) {
      p.textContent = h.closes_at ? fmt(S.open_until, { time: localTime(h.closes_at) })
        : S.open_now + (h.detail ? " · " + h.detail : "");
      p.className = "kw-hours is-open";
    } else {
      p.textContent = S.closed + (h.opens_at ? " · " + fmt(S.back_at, { time: localTime(h.opens_at) }) : "");
      p.className = "kw-hours is-closed";
    }
  }
  function showQueue(position, minutes) {
    var q = $("kw-queue");
    if (!position || state.status === "resolved" || state.status === "closed") { q.hidden = true; return; }
    q.textContent = position <= 1 && !minutes ? S.queue_next
      : fmt(S.queue, { position: position, minutes: Math.max(1, minutes || 1) });
    q.hidden = false;
  }
  function loadStatus() {
    api("chat/status?lang=" + encodeURIComponent(cfg.lang)).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (h) { showHours(h || cfg.hours); })
      .catch(function () { showHours(cfg.hours); });  // the contact page's hours, rendered by the server
  }
  function loadConversation() {
    if (!state.conv) { return; }
    api("chat/conversations/" + state.conv).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        if (!c) { return; }
        if (c.queue) { showQueue(c.queue.position, c.queue.wait_minutes); } else { showQueue(0); }
        if (c.rating) { rated(); }
      }).catch(function () { /* the WebSocket still works */ });
  }

  /* ---- rendering ---- */
  function renderAttachments(li, attachments) {
    if (!attachments || !attachments.length) { return; }
    var box = el("div", "kw-files");
    attachments.forEach(function (a) {
      var link = el("a", "kw-file");
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener";
      if (a.thumbnail_url) {
        var img = el("img");
        img.src = a.thumbnail_url;
        img.alt = a.name;
        link.appendChild(img);
      } else {
        link.textContent = "\u{1F4C4} " + a.name;
      }
      box.appendChild(link);
    });
    li.appendChild(box);
  }
  function bubble(kind, name, body) {
    var li = el("li", "kw-msg kw-" + kind);
    if (kind !== "customer") { li.appendChild(el("span", "kw-who", name || S.agent)); }
    li.appendChild(el("p", "kw-body", body));
    return li;
  }
  function setState(li, key) {
    var s = li.querySelector(".kw-state");
    if (!s) { s = el("span", "kw-state"); li.appendChild(s); }
    s.textContent = S[key];
    li.setAttribute("data-state", key);
  }
  function firstPendingEl() {
    for (var i = 0; i < pending.length; i++) {
      var it = items[pending[i]];
      if (it && !it.seq) { return it.el; }
    }
    return null;
  }
  function append(li) {
    var before = firstPendingEl();
    if (before && before !== li) { log.insertBefore(li, before); } else { log.appendChild(li); }
    log.scrollTop = log.scrollHeight;
  }
  function markRead() {
    Object.keys(items).forEach(function (cid) {
      var it = items[cid];
      if (it.seq && it.seq <= state.agentRead) { setState(it.el, "read"); }
    });
  }

  function onMessage(f) {
    if (f.seq <= state.lastSeq) { return; }
    state.lastSeq = f.seq;
    if (f.kind === "customer") {
      var adopted = null;
      Object.keys(items).forEach(function (cid) {
        var it = items[cid];
        if (!adopted && (it.seq === f.seq || (!it.seq && it.body === f.body))) { adopted = it; }
      });
      if (adopted) {
        adopted.seq = f.seq;
        if (f.body !== adopted.body) {
          // Kept otherwise than typed (a pasted seed phrase or key is masked before it is
          // stored): show what was kept, and take the secret off the screen.
          adopted.body = f.body;
          adopted.el.querySelector(".kw-body").textContent = f.body;
        }
        bySeq[f.seq] = adopted.el;
        pending = pending.filter(function (cid) { return items[cid] !== adopted; });
        setState(adopted.el, f.seq <= state.agentRead ? "read" : "sent");
        if (!adopted.el.querySelector(".kw-files")) { renderAttachments(adopted.el, f.attachments); }
        return;
      }
    }
    var li = bubble(f.kind, f.author && f.author.name, f.body);
    li.setAttribute("data-seq", f.seq);
    renderAttachments(li, f.attachments);
    if (f.kind === "customer") { setState(li, f.seq <= state.agentRead ? "read" : "sent"); }
    bySeq[f.seq] = li;
    append(li);
    if (f.kind === "agent") {
      $("kw-typing").hidden = true;
      showQueue(0);
      sendRead();
    }
  }

  function sendRead() {
    if (state.shown && document.visibilityState === "visible" && state.ready && state.lastSeq) {
      frame({ type: "read", seq: state.lastSeq });
    }
  }

  /* ---- the WebSocket ---- */
  function frame(obj) {
    if (state.ws && state.ws.readyState === 1) { state.ws.send(JSON.stringify(obj)); return true; }
    return false;
  }
  function sendItem(cid) {
    var it = items[cid];
    var f = { type: "send", client_msg_id: cid, body: it.body };
    if (it.attachmentIds && it.attachmentIds.length) { f.attachments = it.attachmentIds; }
    frame(f);
  }
  function connect() {
    if (state.stopped || state.ws || !navigator.onLine) { return; }
    clearTimeout(state.timer);
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + cfg.ws_path);
    state.ws = ws;
    ws.onopen = function () {
      var hello = {
        type: "hello", token: state.token, last_seq: state.lastSeq, lang: cfg.lang, channel: "web",
        features: ["queue"]
      };
      if (state.conv) { hello.conversation = state.conv; }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (event) {
      state.heard = Date.now();
      var f;
      try { f = JSON.parse(event.data); } catch (e) { return; }
      handle(f);
    };
    ws.onclose = function (event) {
      if (state.ws !== ws) { return; }
      state.ws = null;
      state.ready = false;
      $("kw").setAttribute("data-connected", "false");
      if (event.code === 4401) {
        if (!state.account && stored().visitor) {
          store({ visitor: null });  // an expired visitor token: start as a new visitor
          state.token = null;
          state.attempts = 0;
          retry();
          return;
        }
        askForToken();
        return;
      }
      if (event.code === 4403) { state.stopped = true; banner(S.origin_problem); return; }
      banner(navigator.onLine ? S.reconnecting : S.offline);
      retry();
    };
  }
  // An account token expired in a long-open tab: the embedding page may hand us a fresh
  // one (embed.js, data-kefu-token-url). Once per expiry; without an answer, say so.
  function askForToken() {
    if (state.parentOrigin && !state.askedForToken) {
      state.askedForToken = true;
      banner(S.reconnecting);
      window.parent.postMessage({ type: "kefu:token-needed" }, state.parentOrigin);
      return;
    }
    state.stopped = true;
    banner(S.token_problem);
  }
  function retry() {
    if (state.stopped || !navigator.onLine) { return; }
    var delay = Math.min(30000, 500 * Math.pow(2, state.attempts)) * (0.75 + Math.random() * 0.5);
    state.attempts += 1;
    state.timer = setTimeout(connect, state.attempts === 1 ? 0 : delay);
  }

  function handle(f) {
    switch (f.type) {
      case "welcome":
        state.ready = true;
        state.attempts = 0;
        state.askedForToken = false;  // this token works: a later expiry may ask again
        $("kw").setAttribute("data-connected", "true");
        banner("");
        if (f.token) {
          state.token = f.token;
          if (!state.account) { store({ visitor: f.token }); }
        }
        if (f.conversation && f.conversation !== state.conv) { switchConversation(f.conversation); }
        if (f.status) { setStatus(f.status); }
        pending.slice().forEach(function (cid) { if (!items[cid].seq && !items[cid].uploading) { sendItem(cid); } });
        break;
      case "ack":
        var it = items[f.client_msg_id];
        if (f.conversation && f.conversation !== state.conv) { switchConversation(f.conversation); }
        if (!it) { break; }
        pending = pending.filter(function (cid) { return cid !== f.client_msg_id; });
        if (bySeq[f.seq] && bySeq[f.seq] !== it.el) { it.el.remove(); it.el = bySeq[f.seq]; }
        it.seq = f.seq;
        bySeq[f.seq] = it.el;
        it.el.setAttribute("data-seq", f.seq);
        setState(it.el, f.seq <= state.agentRead ? "read" : "sent");
        break;
      case "message":
        onMessage(f);
        break;
      case "typing":
        if (f.role !== "customer") {
          var t = $("kw-typing");
          t.textContent = fmt(S.typing, { name: f.name || S.agent });
          t.hidden = !f.on;
        }
        break;
      case "read":
        if (f.role !== "customer" && f.seq > state.agentRead) { state.agentRead = f.seq; markRead(); }
        break;
      case "status":
        setStatus(f.status);
        break;
      case "queue":
        showQueue(f.position, f.wait_minutes);
        break;
      case "ping":
        frame({ type: "pong" });
        break;
      case "error":
        if (f.client_msg_id && items[f.client_msg_id]) {
          var failed = items[f.client_msg_id];
          pending = pending.filter(function (cid) { return cid !== f.client_msg_id; });
          setState(failed.el, "failed");
          failed.el.querySelector(".kw-state").textContent = fmt(S.failed, { reason: f.message });
        } else if (f.code !== "not_subscribed") {
          banner(f.message || S.error);
        }
        break;
      default:
        break;  // newer server, older widget: ignore what we do not know
    }
  }

  function switchConversation(id) {
    // A closed conversation is final: the next message opened a new one, whose seqs
    // start again at 1. What is on screen stays; the bookkeeping starts afresh.
    if (state.conv) {
      bySeq = {};
      Object.keys(items).forEach(function (cid) { if (items[cid].seq) { delete items[cid]; } });
      state.lastSeq = 0;
      state.agentRead = 0;
    }
    state.conv = id;
    convKnown();
  }
  function convKnown() {
    $("kw-suggest").hidden = true;
    $("kw-intro").hidden = false;
    store(state.account ? {} : { conversation: state.conv });
    loadConversation();
  }
  function setStatus(status) {
    state.status = status;
    var done = status === "resolved" || status === "closed";
    $("kw-done").hidden = !done;
    if (done) { showQueue(0); loadConversation(); }
  }

  /* ---- composing ---- */
  var typingOn = false, typingTimer = null, suggestTimer = null;
  function typing(on) {
    if (typingOn === on || !state.conv) { return; }
    typingOn = on;
    frame({ type: "typing", on: on });
  }
  function newId() {
    var bytes = new Uint8Array(9);
    window.crypto.getRandomValues(bytes);
    return "w-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function queueMessage(body, extra) {
    var cid = newId();
    var li = bubble("customer", "", body);
    li.setAttribute("data-cid", cid);
    items[cid] = { el: li, body: body, seq: 0 };
    Object.keys(extra || {}).forEach(function (k) { items[cid][k] = extra[k]; });
    pending.push(cid);
    setState(li, "pending");
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return cid;
  }
  $("kw-compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    // Files picked before the first message go with it (those whose upload failed stay
    // listed, with the reason); a message of files alone is named after them.
    var files = staged.filter(function (entry) { return !entry.failed; });
    if (!body && !files.length) { return; }
    if (!body) { body = files.map(function (entry) { return entry.name; }).join(", "); }
    input.value = "";
    autosize();
    $("kw-suggest").hidden = true;
    typing(false);
    if (!files.length) {
      var cid = queueMessage(body);
      if (state.ready) { sendItem(cid); }
      return;
    }
    queueMessage(body, { uploading: true, files: files });
    files.forEach(function (entry) { entry.el.remove(); });
    staged = staged.filter(function (entry) { return entry.failed; });
    $("kw-staged").hidden = staged.length === 0;
    settle();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("kw-compose").requestSubmit();
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", function () {
    autosize();
    if (input.value.trim()) {
      typing(true);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing(false); }, 3000);
    } else { typing(false); }
    if (!state.conv) {
      clearTimeout(suggestTimer);
      suggestTimer = setTimeout(suggest, 300);
    }
  });
  var lastQuery = "";
  function suggest() {
    var q = input.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 2) { $("kw-suggest").hidden = true; return; }
    fetch(cfg.api + "help/search?limit=3&lang=" + encodeURIComponent(cfg.lang) + "&q=" + encodeURIComponent(q))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || q !== lastQuery || state.conv) { return; }
        var list = $("kw-suggest-list");
        list.textContent = "";
        data.results.forEach(function (a) {
          var li = el("li");
          var link = el("a", "", a.title);
          link.href = a.url;
          link.target = "_blank";
          link.rel = "noopener";
          li.appendChild(link);
          list.appendChild(li);
        });
        $("kw-suggest").hidden = data.results.length === 0;
      }).catch(function () { /* suggestions are a nicety */ });
  }

  /* ---- attachments: upload over REST, then send the id with a message ---- */
  var ALLOWED = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"];
  var staged = [];       // files picked before the first message: {name, id, info, busy, failed, dropped, el}
  function upload(path, file) {
    var data = new FormData();
    data.append("file", file);
    return api(path, { method: "POST", body: data })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    fileInput.value = "";
    if (!file) { return; }
    if (ALLOWED.indexOf(file.type) < 0) { banner(S.file_type); return; }
    if (file.size > cfg.max_bytes) { banner(fmt(S.file_too_large, { size: Math.round(cfg.max_bytes / 1048576) })); return; }
    banner("");
    if (state.conv) { sendFile(file); } else { stage(file); }
  });
  // Before the first message there is no conversation to upload to: the file is uploaded
  // on its own (POST chat/attachments) and waits above the input for the message that
  // opens one, which carries its id.
  function stage(file) {
    if (!state.token) { banner(S.connecting); return; }  // a new visitor's comes with the welcome
    var entry = { name: file.name, id: 0, info: null, busy: true, failed: false, el: el("li", "kw-staged-file") };
    entry.el.setAttribute("data-state", "uploading");
    entry.el.appendChild(el("span", "kw-staged-name", file.name));
    var note = el("span", "kw-staged-state", S.uploading);
    entry.el.appendChild(note);
    var remove = el("button", "kw-staged-remove", "\u00D7");
    remove.type = "button";
    remove.setAttribute("aria-label", fmt(S.remove_file, { name: file.name }));
    remove.addEventListener("click", function () {
      // Not sent, it is removed on the server after a day: nothing to call.
      entry.dropped = true;
      staged = staged.filter(function (e) { return e !== entry; });
      entry.el.remove();
      $("kw-staged").hidden = staged.length === 0;
    });
    entry.el.appendChild(remove);
    staged.push(entry);
    $("kw-staged").appendChild(entry.el);
    $("kw-staged").hidden = false;
    function failed(reason) {
      entry.busy = false;
      entry.failed = true;
      entry.el.setAttribute("data-state", "failed");
      note.textContent = reason;
      // Already taken by a message (sent without it): say so, the list is gone.
      if (!entry.el.isConnected && !entry.dropped) { banner(entry.name + ": " + reason); }
      settle();
    }
    upload("chat/attachments", file).then(function (res) {
      if (!res.ok) { failed(res.body.message || S.upload_failed); return; }
      entry.busy = false;
      entry.id = res.body.id;
      entry.info = res.body;
      entry.el.setAttribute("data-state", "ready");
      note.textContent = "";
      settle();
    }).catch(function () { failed(S.upload_failed); });
  }
  // A message waiting for its files goes once none is uploading any more.
  function settle() {
    pending.forEach(function (cid) {
      var it = items[cid];
      if (!it.files || !it.uploading || it.files.some(function (e) { return e.busy; })) { return; }
      var ready = it.files.filter(function (e) { return e.id; });
      it.uploading = false;
      it.attachmentIds = ready.map(function (e) { return e.id; });
      renderAttachments(it.el, ready.map(function (e) { return e.info; }));
      if (state.ready) { sendItem(cid); }
    });
  }
  // In a conversation a file is a message of its own, named after it.
  function sendFile(file) {
    var cid = queueMessage(file.name, { uploading: true });
    upload("chat/conversations/" + state.conv + "/attachments", file)
      .then(function (res) {
        var it = items[cid];
        it.uploading = false;
        if (!res.ok) {
          pending = pending.filter(function (c) { return c !== cid; });
          setState(it.el, "failed");
          it.el.querySelector(".kw-state").textContent = fmt(S.failed, { reason: res.body.message || S.upload_failed });
          return;
        }
        it.attachmentIds = [res.body.id];
        renderAttachments(it.el, [res.body]);
        if (state.ready) { sendItem(cid); }
      }).catch(function () {
        setState(items[cid].el, "failed");
        items[cid].el.querySelector(".kw-state").textContent = fmt(S.failed, { reason: S.upload_failed });
      });
  }

  /* ---- after resolution: rating and transcript ---- */
  var score = 0;
  (function stars() {
    var box = $("kw-stars");
    for (var n = 1; n <= 5; n++) {
      var b = el("button", "kw-star", "\u2605");
      b.type = "button";
      b.setAttribute("data-score", n);
      b.setAttribute("aria-label", fmt(S.rate_star, { n: n }));
      b.setAttribute("aria-pressed", "false");
      box.appendChild(b);
    }
    box.addEventListener("click", function (event) {
      var b = event.target.closest(".kw-star");
      if (!b) { return; }
      score = Number(b.getAttribute("data-score"));
      Array.prototype.forEach.call(box.children, function (s) {
        var on = Number(s.getAttribute("data-score")) <= score;
        s.classList.toggle("is-on", on);
        s.setAttribute("aria-pressed", on ? "true" : "false");
      });
      $("kw-rate-submit").disabled = false;
    });
  })();
  function rated() {
    $("kw-rate").hidden = true;
    $("kw-rated").hidden = false;
  }
  $("kw-rate").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!score || !state.conv) { return; }
    $("kw-rate-submit").disabled = true;
    api("chat/conversations/" + state.conv + "/rating", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ score: score, comment: $("kw-rate-comment").value.trim() })
    }).then(function (r) {
      if (r.ok || r.status === 409) { rated(); return; }
      $("kw-rate-submit").disabled = false;
      banner(S.error);
    }).catch(function () { $("kw-rate-submit").disabled = false; banner(S.error); });
  });
  $("kw-transcript").addEventListener("click", function () {
    if (!state.conv) { return; }
    api("chat/conversations/" + state.conv + "/transcript.pdf").then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.blob();
    }).then(function (blob) {
      var a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = "transcript-" + state.conv.slice(0, 8) + ".pdf";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
    }).catch(function () { banner(S.error); });
  });
  $("kw-new").addEventListener("click", function () {
    $("kw-done").hidden = true;
    input.focus();
  });

  /* ---- lifecycle ---- */
  window.addEventListener("offline", function () {
    banner(S.offline);
    if (state.ws) { var ws = state.ws; state.ws = null; state.ready = false; ws.close(); }
  });
  window.addEventListener("online", function () { state.attempts = 0; banner(S.reconnecting); connect(); });
  document.addEventListener("visibilitychange", sendRead);
  setInterval(function () {  // a connection silent for two heartbeats is dead
    if (state.ws && state.ready && Date.now() - state.heard > 60000) { state.ws.close(); }
  }, 15000);

  $("kw-close").addEventListener("click", function () {
    if (state.parentOrigin) { window.parent.postMessage({ type: "kefu:close" }, state.parentOrigin); }
  });
  if (window.parent === window) { $("kw-close").hidden = true; }

  function start(accountToken) {
    if (state.token !== null || state.ws) { return; }
    state.account = Boolean(accountToken);
    state.token = accountToken || stored().visitor || null;
    if (!state.account) { state.conv = stored().conversation || null; }
    banner(S.connecting);
    connect();
  }

  loadStatus();
  var allowed = cfg.allowed_origins.concat([window.location.origin]);
  window.addEventListener("message", function (event) {
    // Only the page that framed us, and only if it is on the allow-list.
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) { return; }
    var data = event.data || {};
    if (data.type === "kefu:init" && !state.parentOrigin) {
      state.parentOrigin = event.origin;
      state.shown = data.shown === true;
      start(typeof data.token === "string" && data.token ? data.token : null);
    } else if (data.type === "kefu:token" && state.parentOrigin === event.origin) {
      if (typeof data.token === "string" && data.token) {
        state.token = data.token;
        state.stopped = false;
        state.attempts = 0;
        retry();
      } else {
        state.stopped = true;
        banner(S.token_problem);
      }
    } else if (data.type === "kefu:shown") {
      state.shown = true;
      input.focus();
      sendRead();
    } else if (data.type === "kefu:hidden") {
      state.shown = false;
    }
  });
  if (window.parent === window) {
    start(null);  // opened on its own (a link from the help center): a visitor
  } else {
    window.parent.postMessage({ type: "kefu:ready" }, "*");  // carries nothing secret
  }
})();
