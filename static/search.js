// sitegen search, the page side: the header box and the search page. The searching itself
// (static/search-core.js) runs in a Web Worker where the browser allows; pages opened from
// disk run it in the page. Nothing loads until the box is focused or the search page opens.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script.getAttribute("data-root") || "./";
  var fromDisk = location.protocol === "file:";

  function withIndexHtml(href) {
    return fromDisk && /\/$/.test(href) ? href + "index.html" : href;
  }

  // --- the engine: a worker, or the core loaded into the page ---------------------------
  var engine = null;
  function startEngine() {
    if (engine) return engine;
    var absoluteRoot = new URL(root, location.href).href;
    if (!fromDisk && typeof Worker === "function") {
      try {
        var worker = new Worker(absoluteRoot + "static/search-worker.js");
        var pending = {}, nextId = 1;
        worker.onmessage = function (event) {
          var callbacks = pending[event.data.id];
          delete pending[event.data.id];
          if (callbacks) event.data.error ? callbacks[1](new Error(event.data.error)) : callbacks[0](event.data.result);
        };
        worker.postMessage({ root: absoluteRoot });
        var call = function (op, args) {
          return new Promise(function (resolve, reject) {
            var id = nextId++;
            pending[id] = [resolve, reject];
            worker.postMessage({ id: id, op: op, args: args || [] });
          });
        };
        engine = Promise.resolve({
          prepare: function (q, f) { worker.postMessage({ op: "prepare", args: [q, f || {}] }); },
          search: function (q, f) { return call("search", [q, f || {}]); },
          details: function (refs, terms) { return call("details", [refs, terms]); },
          manifest: function () { return call("manifest"); }
        });
        return engine;
      } catch (error) { /* fall through: search in the page */ }
    }
    engine = new Promise(function (resolve, reject) {
      window.sitegenSearchRoot = root;
      var element = document.createElement("script");
      element.src = root + "static/search-core.js";
      element.onload = function () { resolve(window.sitegenSearchCore); };
      element.onerror = function () { element.remove(); engine = null; reject(new Error("could not load search")); };
      document.head.appendChild(element);
    });
    return engine;
  }
  function search(query, filters) {
    return startEngine().then(function (core) { return core.search(query, filters || {}); })
      .catch(function (error) { return { results: [], query: query, error: String(error.message || error) }; });
  }
  // Called on every keystroke, before the pause that runs the search.
  function prepare(query, filters) {
    startEngine().then(function (core) { core.prepare(query, filters || {}); }).catch(function () {});
  }
  function details(refs, terms) {
    return startEngine().then(function (core) { return core.details(refs, terms || []); });
  }
  function manifest() {
    return startEngine().then(function (core) { return core.manifest(); });
  }
  window.sitegenSearchRun = search;  // for tests and the curious
  window.sitegenSearchDetails = details;

  // --- rendering results: text nodes only ---------------------------------------------
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function formatDate(iso) {
    if (!iso) return "Undated";
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    var parts = iso.split("-");
    return months[Number(parts[1]) - 1] + " " + Number(parts[2]) + ", " + parts[0];
  }
  function passage(doc) {
    var snippet = element("span", "passage");
    doc.passage.forEach(function (piece) {
      snippet.appendChild(piece[1] ? element("mark", null, piece[0]) : document.createTextNode(piece[0]));
    });
    return snippet;
  }
  // The search page: a plain link in a list item.
  function resultItem(doc) {
    var item = element("li", "search-result");
    var link = element("a", "result-title", doc.title);
    link.href = withIndexHtml(root + doc.url);
    item.appendChild(link);
    item.appendChild(element("span", "meta", formatDate(doc.date) + " · " + doc.topics.join(", ")));
    item.appendChild(passage(doc));
    return item;
  }
  // The header box: an option of a listbox, no link inside (Enter or a click opens it).
  function option(id, className, href) {
    var item = element("li", className);
    item.id = id;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.setAttribute("data-href", href);
    return item;
  }
  function resultOption(doc, id) {
    var item = option(id, "search-result", withIndexHtml(root + doc.url));
    item.appendChild(element("span", "result-title", doc.title));
    item.appendChild(element("span", "meta", formatDate(doc.date) + " · " + doc.topics.join(", ")));
    item.appendChild(passage(doc));
    return item;
  }
  function searchPageUrl(query) {
    return withIndexHtml(root + "search/") + "?q=" + encodeURIComponent(query);
  }
  // --- the header box: a WAI-ARIA combobox with a listbox popup ----------------------------
  // Arrows move through the options (the last one opens the search page), Enter or a click
  // opens the highlighted one, Escape closes the list (and then clears the box), Tab leaves
  // the box and closes it, ArrowDown opens it again.
  function headerBox(form) {
    var input = form.querySelector("input[type=search]");
    var list = element("ul", "search-dropdown");
    list.id = "search-dropdown";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-autocomplete", "list");
    var active = -1, latest = 0, timer = null, shownFor = null;

    function options() { return list.querySelectorAll("[role=option]"); }
    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      highlight(-1);
      input.setAttribute("aria-expanded", "false");
    }
    function highlight(index) {
      var items = options();
      items.forEach(function (item, i) {
        item.classList.toggle("active", i === index);
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function go(item) { if (item) location.href = item.getAttribute("data-href"); }
    function show(query) {
      var ticket = ++latest;
      search(query).then(function (found) {
        if (ticket !== latest) return;
        var top = found.results.slice(0, 8);
        return details(top.map(function (r) { return r.ref; }), found.terms).then(function (docs) {
          if (ticket !== latest) return;
          list.textContent = "";
          docs.forEach(function (doc, i) { list.appendChild(resultOption(doc, "search-option-" + i)); });
          var n = found.results.length;
          var more = option("search-option-more", "search-more", searchPageUrl(query));
          more.textContent = n
            ? "All " + n + " result" + (n === 1 ? "" : "s") + " for “" + query + "”"
            : "No papers match “" + query + "”. Try fewer or shorter words, or a word followed by *.";
          list.appendChild(more);
          shownFor = query;
          highlight(-1);
          if (document.activeElement === input) open();
        });
      });
    }
    function reopen() {
      var query = input.value.trim();
      if (!query) return false;
      if (query === shownFor && options().length) open();
      else show(query);
      return true;
    }
    input.addEventListener("focus", function () { startEngine(); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      prepare(query);  // (an empty one supersedes what was being readied)
      if (!query) { latest++; shownFor = null; close(); return; }
      timer = setTimeout(function () { show(query); }, 60);
    });
    input.addEventListener("keydown", function (event) {
      var items = options(), last = items.length - 1;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { reopen(); return; }
        if (!items.length) return;
        if (event.key === "ArrowDown") highlight(active >= last ? 0 : active + 1);
        else highlight(active <= 0 ? last : active - 1);
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; shownFor = null; latest++; }
      } else if (event.key === "Enter" && !list.hidden && active >= 0 && items[active]) {
        event.preventDefault();
        go(items[active]);
      } else if (event.key === "Tab") {
        close();
      }
    });
    // A press on an option keeps the focus in the box; the click then opens it.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      go(event.target.closest && event.target.closest("[role=option]"));
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.value.trim()) location.href = searchPageUrl(input.value.trim());
    });
    form.addEventListener("focusout", function (event) {
      if (!form.contains(event.relatedTarget)) close();
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) close(); });
  }

  // --- the search page: ?q=&topic=&year=, shareable --------------------------------------
  function searchPage(page) {
    var form = page.querySelector("form"), input = form.querySelector("[name=q]");
    var topic = form.querySelector("[name=topic]"), year = form.querySelector("[name=year]");
    var status = page.querySelector(".search-status"), list = page.querySelector(".search-results");
    var more = page.querySelector(".search-more-button");
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    var shown = 0, current = null, latest = 0;

    var count = 0;
    function fillFilters(m) {
      count = m.count;
      m.topics.forEach(function (t) {
        var option = element("option", null, t[1]); option.value = t[0]; topic.appendChild(option);
      });
      m.years.forEach(function (y) {
        var option = element("option", null, String(y)); option.value = String(y); year.appendChild(option);
      });
      topic.value = params.get("topic") || "";
      year.value = params.get("year") || "";
    }
    function showMore() {
      var batch = current.results.slice(shown, shown + 20);
      return details(batch.map(function (r) { return r.ref; }), current.terms).then(function (docs) {
        docs.forEach(function (doc) { list.appendChild(resultItem(doc)); });
        shown += docs.length;
        more.hidden = shown >= current.results.length;
      });
    }
    function run() {
      var query = input.value.trim(), filters = { topic: topic.value, year: year.value };
      var url = new URLSearchParams();
      if (query) url.set("q", query);
      if (filters.topic) url.set("topic", filters.topic);
      if (filters.year) url.set("year", filters.year);
      history.replaceState(null, "", location.pathname + (url.toString() ? "?" + url : ""));
      var ticket = ++latest;
      if (!query && !filters.topic && !filters.year) {
        list.textContent = ""; more.hidden = true;
        status.textContent = "Type a few words: titles, topics and abstracts of " + count + " papers are searched.";
        return;
      }
      status.textContent = "Searching…";
      search(query, filters).then(function (found) {
        if (ticket !== latest) return;
        current = found; shown = 0; list.textContent = "";
        var n = found.results.length;
        status.textContent = found.error ? "Search is unavailable: " + found.error
          : n ? n + " paper" + (n === 1 ? "" : "s") + " found."
          : "No papers match. Try fewer or shorter words, a word followed by * (neuro*), or no filters.";
        more.hidden = true;
        if (n) showMore();
      });
    }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      prepare(input.value.trim(), { topic: topic.value, year: year.value });
      timer = setTimeout(run, 60);
    });
    topic.addEventListener("change", run);
    year.addEventListener("change", run);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    more.addEventListener("click", showMore);
    manifest().then(function (m) { fillFilters(m); run(); }, function () {
      status.textContent = "Search could not load its index.";
    });
  }

  function start() {
    var form = document.querySelector("form.site-search");
    if (form) headerBox(form);
    var page = document.querySelector(".search-page");
    if (page) searchPage(page);
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      var box = page ? page.querySelector("[name=q]") : form && form.querySelector("input[type=search]");
      if (box) { event.preventDefault(); box.focus(); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
