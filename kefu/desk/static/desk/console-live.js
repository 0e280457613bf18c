// Agent console, live: one WebSocket to /ws/desk/ per page (docs/chat-protocol.md).
// Frames are doorbells only: the page re-fetches its own server-rendered fragments
// (inbox rows and counts, the message log), so there is one way to render anything.
// While the socket is down the page polls instead (messages every 5 s, the inbox every
// 60 s — inbox.html's htmx trigger) and the header says "Reconnecting…". Without this
// script (no WebSocket in the browser) the fragments' own htmx polls keep working.
(function () {
  "use strict";
  var FALLBACK_MS = 60000;     // slow poll while live
  var DEBOUNCE_MS = 400;       // bursts of doorbells become one fetch
  var TYPING_IDLE_MS = 3000;   // stop "typing" after this long without a key
  var TYPING_SHOWN_MS = 6000;  // hide the other side's indicator if its "off" got lost
  var indicator = document.querySelector("[data-live-indicator]");
  if (!indicator || !window.WebSocket || !window.htmx) return;
  var inbox = document.querySelector("[data-live-inbox]");
  var log = document.querySelector("[data-live-conversation]");
  var conversation = log ? log.getAttribute("data-live-conversation") : null;
  var socket = null, live = false, retry = 0, lastHeard = 0, timer = null;
  // "Live" is shown only once the server has confirmed what this page follows (the
  // inbox stream's `watching`, the conversation's `welcome`): before that an event
  // could still slip past, and the page must not claim otherwise.
  var awaiting = {};

  function setState(state) { indicator.setAttribute("data-state", state); live = state === "live"; }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }
  function debounce(fn) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, DEBOUNCE_MS); };
  }

  // --- inbox: re-fetch rows and counts (inbox.html listens for kefu:inbox) ---------------
  var refreshInbox = debounce(function () { htmx.trigger(document.body, "kefu:inbox"); });

  // --- conversation: the message log grows through its own fragment endpoint -----------
  // One fetch at a time, always from the "after" the last fragment left in #messages-poll,
  // so nothing is appended twice. The fragment's own 5 s htmx poll is replaced by ours:
  // every 5 s while the socket is down, once a minute while it is up.
  var fetching = false, again = false, lastFetch = Date.now();
  function lastSeq() {
    var seqs = Array.prototype.map.call(log.querySelectorAll("[data-seq]"), function (el) {
      return parseInt(el.getAttribute("data-seq"), 10) || 0;
    });
    return seqs.length ? Math.max.apply(null, seqs) : 0;
  }
  function fetchMessages() {
    var poll = document.getElementById("messages-poll");
    if (!poll) return;
    if (fetching) { again = true; return; }
    fetching = true;
    lastFetch = Date.now();
    fetch(poll.getAttribute("hx-get"), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (html.trim()) htmx.swap("#message-log", html, { swapStyle: "beforeend" });
        markRead();
      })
      .catch(function () { /* offline: the next doorbell or tick tries again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; fetchMessages(); }
      });
  }
  var refreshMessages = debounce(fetchMessages);
  // The customer sees "read" once an agent has the conversation open and in view.
  var readSent = 0;
  function markRead() {
    if (!conversation || document.visibilityState !== "visible") return;
    var seq = lastSeq();
    if (seq > readSent) { readSent = seq; send({ type: "read", conversation: conversation, seq: seq }); }
  }
  document.addEventListener("visibilitychange", markRead);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "messages-poll") event.preventDefault();
  });
  if (log) {
    setInterval(function () {
      if (!live || Date.now() - lastFetch >= FALLBACK_MS) fetchMessages();
    }, 5000);
  }

  // --- typing: theirs shown, ours sent (flagged as a note, which never reaches the customer)
  var typingBox = document.querySelector("[data-live-typing]"), typingTimer = null;
  function showTyping(frame) {
    if (!typingBox) return;
    clearTimeout(typingTimer);
    if (!frame.on) { typingBox.hidden = true; return; }
    var key = frame.role === "customer" ? "customer" : (frame.note ? "note" : "agent");
    typingBox.textContent = typingBox.getAttribute("data-" + key);
    typingBox.hidden = false;
    typingTimer = setTimeout(function () { typingBox.hidden = true; }, TYPING_SHOWN_MS);
  }
  var myTyping = false, myNote = false, idleTimer = null;
  function noteMode() {
    var kind = document.querySelector('[data-reply-form] input[name="kind"]:checked');
    return !!kind && kind.value === "note";
  }
  function typing(on) {
    if (!conversation) return;
    var note = noteMode();
    if (on === myTyping && note === myNote) return;
    myTyping = on; myNote = note;
    send({ type: "typing", conversation: conversation, on: on, note: note });
  }
  document.addEventListener("input", function (event) {
    if (event.target.id !== "reply-body") return;
    typing(event.target.value.trim() !== "");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { typing(false); }, TYPING_IDLE_MS);
  });
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind" && myTyping) typing(true);  // reply ↔ note: say so
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-reply-form]")) typing(false);
  });

  // --- the socket ---------------------------------------------------------------------
  function onFrame(frame) {
    lastHeard = Date.now();
    if (frame.type === "ping") { send({ type: "pong" }); return; }
    if (frame.type === "watching") confirmed("watching");
    if (frame.type === "welcome" && frame.conversation === conversation) confirmed("welcome");
    if (frame.type === "inbox") { if (inbox) refreshInbox(); return; }
    if (!conversation || frame.conversation !== conversation) return;
    if (frame.type === "message" && frame.seq > lastSeq()) refreshMessages();
    else if (frame.type === "typing") showTyping(frame);
    else if (frame.type === "status" && frame.event === "conversation.updated") {
      var changed = (frame.fields || []).filter(function (f) {
        return ["status", "assignee_id", "team_id", "category", "priority"].indexOf(f) >= 0;
      });
      var stale = document.querySelector("[data-live-stale]");
      if (changed.length && stale) stale.hidden = false;
    }
  }
  function confirmed(what) {
    if (what) delete awaiting[what];
    if (!Object.keys(awaiting).length) setState("live");
  }
  function connect() {
    var lang = (document.documentElement.lang || "").toLowerCase() === "zh-hans" ? "zh-hans" : "en";
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/ws/desk/?lang=" + lang);
    socket.onopen = function () {
      retry = 0; lastHeard = Date.now();
      awaiting = {};
      if (inbox) awaiting.watching = true;
      if (conversation) awaiting.welcome = true;
      confirmed(null);
      if (inbox) { send({ type: "watch", inbox: true }); refreshInbox(); }  // catch up after a gap
      if (conversation) {
        send({ type: "subscribe", conversation: conversation, last_seq: lastSeq() });
        readSent = 0; markRead();
      }
    };
    socket.onmessage = function (event) {
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* a bad frame is ignored */ }
    };
    socket.onclose = function (event) {
      socket = null; myTyping = false;
      if (event.code === 4401 || event.code === 4403) { setState("offline"); return; }
      setState("reconnecting");
      retry = Math.min(retry + 1, 6);
      clearTimeout(timer);
      timer = setTimeout(connect, Math.min(30000, 500 * Math.pow(2, retry)) + Math.random() * 500);
    };
  }
  // The browser knows first: a socket may linger for a while after the network went away.
  window.addEventListener("offline", function () { if (socket) socket.close(); setState("reconnecting"); });
  window.addEventListener("online", function () {
    if (socket) return;
    retry = 0; clearTimeout(timer); connect();
  });
  // A socket silent for two heartbeats (2 × 25 s) is dead even if the browser thinks not.
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastHeard > 60000) {
      socket.close();
    }
  }, 10000);
  connect();
})();
