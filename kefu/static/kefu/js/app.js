// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // "/" focuses the search box, as on most help centers.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (event.key === "/" && !typing) {
      const box = document.getElementById("search-q");
      if (box) { event.preventDefault(); box.focus(); }
    }
    // Escape closes the suggestions; arrows move through them.
    const suggestions = document.getElementById("search-suggestions");
    if (!suggestions) return;
    if (event.key === "Escape" && suggestions.innerHTML.trim()) {
      suggestions.innerHTML = "";
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const links = Array.from(suggestions.querySelectorAll("a"));
      if (!links.length) return;
      const index = links.indexOf(document.activeElement);
      let next = event.key === "ArrowDown" ? index + 1 : index - 1;
      if (index === -1 && event.key === "ArrowUp") next = links.length - 1;
      if (next < 0) { document.getElementById("search-q").focus(); event.preventDefault(); return; }
      links[Math.min(next, links.length - 1)].focus();
      event.preventDefault();
    }
  });
  // Clicking outside the search closes the suggestion list.
  document.addEventListener("click", function (event) {
    const suggestions = document.getElementById("search-suggestions");
    if (suggestions && !event.target.closest(".search")) suggestions.innerHTML = "";
  });
})();
