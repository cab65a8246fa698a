// sitegen default theme: small enhancements; every page works without this script.
(function () {
  "use strict";

  // Opened from disk (file://), folder links such as "topics/" would show a directory
  // listing: point them at the folder's index.html instead.
  if (location.protocol === "file:") {
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll("a[href]").forEach(function (link) {
        var href = link.getAttribute("href");
        if (/^[a-z]+:/i.test(href) || href.charAt(0) === "#") return;
        var parts = href.split("#");
        if (parts[0] === "" || /\/$/.test(parts[0])) {
          parts[0] = parts[0] + "index.html";
          link.setAttribute("href", parts.join("#"));
        } else if (parts[0] === "." || parts[0] === "..") {
          parts[0] = parts[0] + "/index.html";
          link.setAttribute("href", parts.join("#"));
        }
      });
    });
  }

  // Left and right arrow keys follow rel=prev / rel=next links (paper pages, paginated lists).
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    if (!rel) return;
    var link = document.querySelector('link[rel="' + rel + '"]');
    if (link) location.href = link.href;
  });
})();
