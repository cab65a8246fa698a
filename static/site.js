// sitegen default theme: small enhancements; every page works without this script.
(function () {
  "use strict";
  var fromDisk = location.protocol === "file:";

  // Opened from disk (file://), a folder link such as "topics/" shows a directory
  // listing: point it at the folder's index.html instead.
  function forDisk(href) {
    if (!fromDisk || /^[a-z][a-z0-9+.-]*:(?!\/\/\/)/i.test(href) || href.charAt(0) === "#") return href;
    var parts = href.split("#");
    if (parts[0] === "" ) return href;
    if (/\/$/.test(parts[0])) parts[0] += "index.html";
    else if (/(^|\/)\.\.?$/.test(parts[0])) parts[0] += "/index.html";
    return parts.join("#");
  }

  if (fromDisk) {
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll("a[href]").forEach(function (link) {
        link.setAttribute("href", forDisk(link.getAttribute("href")));
      });
    });
  }

  // Left and right arrow keys follow rel=prev / rel=next links (paper pages, paginated lists):
  // a <link> in the head, or the page's own link (paper pages have only that).
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    var link = rel && document.querySelector('link[rel="' + rel + '"], a[rel="' + rel + '"]');
    if (link) location.href = forDisk(link.href);
  });
})();
