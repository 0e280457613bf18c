// Agent console keyboard shortcuts and small conveniences. No inline script (CSP).
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function rows() { return Array.from(document.querySelectorAll("[data-row]")); }
  var selected = -1;
  function select(delta) {
    var all = rows();
    if (!all.length) return;
    if (selected >= 0 && all[selected]) all[selected].classList.remove("is-selected");
    selected = Math.max(0, Math.min(all.length - 1, selected + delta));
    all[selected].classList.add("is-selected");
    all[selected].scrollIntoView({ block: "nearest" });
  }
  function setKind(kind) {
    var radio = document.querySelector('[data-reply-form] input[name="kind"][value="' + kind + '"]');
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    var box = document.getElementById("reply-body");
    if (box) box.focus();
  }
  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "reply-body") {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { var link = document.querySelector('[data-shortcut-link="gi"]'); window.location.href = link ? link.href : "../../"; }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "j") { select(1); }
    else if (key === "k") { select(-1); }
    else if (key === "Enter" && selected >= 0) {
      var a = rows()[selected] && rows()[selected].querySelector("[data-row-link]");
      if (a) window.location.href = a.href;
    }
    else if (key === "r") { event.preventDefault(); setKind("agent"); }
    else if (key === "n") { event.preventDefault(); setKind("note"); }
    else if (key === "?") { var help = document.getElementById("shortcut-help"); if (help && !help.open) help.showModal(); }
    else if (key === "/") { var box = document.querySelector("[data-search-box]"); if (box) { event.preventDefault(); box.focus(); box.select(); } }
    else {
      var button = document.querySelector('[data-shortcut="' + key + '"]');
      if (button) { event.preventDefault(); button.click(); }
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]")) target.form.requestSubmit();
    if (target.name === "kind" && target.form && target.form.matches("[data-reply-form]")) {
      target.form.classList.toggle("is-note", target.value === "note");
    }
  });
  // A fresh client id per reply: a double submit is stored once, a new reply is new.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-reply-form]")) return;
    var id = form.querySelector('input[name="client_msg_id"]');
    if (id && window.crypto && crypto.randomUUID && !form.dataset.sent) { id.value = crypto.randomUUID(); }
    form.dataset.sent = "1";
  });
})();
