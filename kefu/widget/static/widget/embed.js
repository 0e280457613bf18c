/*
 * Kefu chat widget loader: the one script a platform puts on its pages.
 *
 *   <script src="https://kefu.example/static/widget/embed.js" data-kefu-lang="zh-hans"
 *           data-kefu-token="<signed customer token or empty>"
 *           data-kefu-token-url="/path/on/your/site/chat-token" async></script>
 *
 * data-kefu-token-url (optional): a URL on the page's own site answering
 * {"token": "<fresh token>"} for the signed-in customer (with the page's cookies). The
 * chat asks for it when the token from the tag has expired in a long-open tab.
 *
 * Draws a launcher button and, on first click, an iframe with Kefu's chat page. No
 * dependencies, no inline script or style markup (styles are set through the CSSOM, which
 * a page's CSP allows). The customer token goes to the iframe by postMessage, addressed to
 * Kefu's origin only; it never appears in a URL.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kefuWidgetLoaded) { return; }
  window.__kefuWidgetLoaded = true;

  var kefuOrigin = new URL(script.src, window.location.href).origin;
  var lang = (script.getAttribute("data-kefu-lang") || document.documentElement.lang || "")
    .toLowerCase().indexOf("en") === 0 ? "en" : "zh-hans";
  var token = script.getAttribute("data-kefu-token") || "";
  script.removeAttribute("data-kefu-token");
  var tokenUrl = script.getAttribute("data-kefu-token-url") || "";
  var label = lang === "en" ? "Chat with support" : "联系在线客服";

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "kefu-launcher";
  launcher.setAttribute("aria-label", label);
  launcher.setAttribute("aria-expanded", "false");
  launcher.title = label;
  launcher.textContent = lang === "en" ? "Chat" : "客服";
  Object.assign(launcher.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000",
    width: "60px", height: "60px", borderRadius: "30px", border: "0",
    background: "#0f6fde", color: "#fff", font: "600 15px/1 system-ui, sans-serif",
    boxShadow: "0 6px 20px rgba(15, 40, 80, .3)", cursor: "pointer"
  });

  var box = null;
  var frame = null;
  var phone = window.matchMedia("(max-width: 520px)");

  function place() {
    if (!box) { return; }
    var full = phone.matches;
    Object.assign(box.style, full ? {
      top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%",
      borderRadius: "0"
    } : {
      top: "auto", left: "auto", right: "20px", bottom: "92px", width: "380px",
      height: "min(640px, calc(100vh - 120px))", borderRadius: "14px"
    });
  }

  function setOpen(open) {
    box.style.display = open ? "block" : "none";
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcher.style.display = open && phone.matches ? "none" : "block";
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({ type: open ? "kefu:shown" : "kefu:hidden" }, kefuOrigin);
    }
  }

  function build() {
    box = document.createElement("div");
    box.id = "kefu-chat";
    Object.assign(box.style, {
      position: "fixed", zIndex: "2147483001", overflow: "hidden", background: "#fff",
      boxShadow: "0 12px 40px rgba(15, 40, 80, .28)", display: "none"
    });
    frame = document.createElement("iframe");
    frame.title = label;
    frame.src = kefuOrigin + "/" + lang + "/widget/";
    frame.setAttribute("referrerpolicy", "no-referrer");
    Object.assign(frame.style, { border: "0", width: "100%", height: "100%", display: "block" });
    box.appendChild(frame);
    document.body.appendChild(box);
    place();
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== kefuOrigin) { return; }
    var data = event.data || {};
    if (data.type === "kefu:ready") {
      frame.contentWindow.postMessage(
        { type: "kefu:init", token: token || null, shown: box.style.display !== "none" }, kefuOrigin
      );
    } else if (data.type === "kefu:token-needed") {
      refreshToken();
    } else if (data.type === "kefu:close") {
      setOpen(false);
      launcher.focus();
    }
  });

  // A fresh token from the page's own backend; null when it has none (signed out meanwhile).
  function refreshToken() {
    function answer(fresh) {
      frame.contentWindow.postMessage({ type: "kefu:token", token: fresh }, kefuOrigin);
    }
    if (!tokenUrl) { answer(null); return; }
    fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (body) { answer(typeof body.token === "string" && body.token ? body.token : null); })
      .catch(function () { answer(null); });
  }

  launcher.addEventListener("click", function () {
    if (!box) { build(); }
    setOpen(box.style.display === "none");
  });
  if (phone.addEventListener) { phone.addEventListener("change", place); }

  function mount() { document.body.appendChild(launcher); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
