// sitegen search: lunr.js over a prebuilt index that loads in parts, only when needed.
// Nothing loads until the search box is focused or the search page opens. Every part
// is a script file (not fetch), so search also works on pages opened from disk.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script.getAttribute("data-root") || "./";
  var fromDisk = location.protocol === "file:";
  var state = { manifest: null, parts: {}, docs: {}, waiting: {}, index: null, indexKey: "" };

  function withIndexHtml(href) {
    return fromDisk && /\/$/.test(href) ? href + "index.html" : href;
  }

  // --- loading parts -----------------------------------------------------------------
  function arrived(key) {
    (state.waiting[key] || []).forEach(function (callbacks) { callbacks[0](); });
    delete state.waiting[key];
  }
  window.sitegenSearch = {
    manifest: function (manifest) { state.manifest = manifest; arrived("manifest"); },
    part: function (number, part) { state.parts[number] = part; arrived("part" + number); },
    docs: function (number, docs) { state.docs[number] = docs; arrived("docs" + number); }
  };
  var loadedScripts = {};
  function loadScript(key, src, isLoaded) {
    if (isLoaded()) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      (state.waiting[key] = state.waiting[key] || []).push([resolve, reject]);
      if (loadedScripts[src]) return;
      loadedScripts[src] = true;
      var element = document.createElement("script");
      element.src = root + src;
      element.onload = function () { if (key === "lunr") arrived("lunr"); };
      element.onerror = function () {
        delete loadedScripts[src];
        (state.waiting[key] || []).forEach(function (callbacks) { callbacks[1](new Error("could not load " + src)); });
        delete state.waiting[key];
      };
      document.head.appendChild(element);
    });
  }
  function ready() {
    return Promise.all([
      loadScript("lunr", "static/vendor/lunr-2.3.9/lunr.min.js", function () { return !!window.lunr; }),
      loadScript("manifest", "search/manifest.js", function () { return !!state.manifest; })
    ]);
  }

  // --- query terms -> parts -> one small lunr index ----------------------------------
  function stem(word) {
    var trimmed = word.toLowerCase().replace(/^\W+/, "").replace(/\W+$/, "");
    return trimmed ? window.lunr.stemmer(new window.lunr.Token(trimmed)).toString() : "";
  }
  function queryTerms(query) {
    var terms = [];
    query.split(/[\s\-]+/).forEach(function (word) {
      word = word.replace(/^[+\-]/, "").replace(/^[^:]*:/, "").replace(/[~^]\d*$/, "").replace(/"/g, "");
      var prefix = /\*$/.test(word);
      word = word.replace(/\*/g, "");
      if (!word) return;
      var term = prefix ? word.toLowerCase() : stem(word);
      if (term) terms.push({ term: term, prefix: prefix });
    });
    return terms;
  }
  function partOf(term) {
    var starts = state.manifest.parts, low = 0, high = starts.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (starts[middle] <= term) low = middle; else high = middle - 1;
    }
    return low;
  }
  function partsFor(terms) {
    var wanted = {};
    terms.forEach(function (t) {
      var first = partOf(t.term);
      var last = t.prefix ? partOf(t.term + "\uffff") : first;
      for (var n = first; n <= last; n++) wanted[n] = true;
    });
    return Object.keys(wanted).map(Number).sort(function (a, b) { return a - b; });
  }
  function loadParts(numbers) {
    return Promise.all(numbers.map(function (n) {
      return loadScript("part" + n, "search/parts/" + n + ".js", function () { return !!state.parts[n]; });
    }));
  }
  function indexOf(numbers) {
    var key = numbers.join(",");
    if (state.index && state.indexKey === key) return state.index;
    var terms = [], vectors = {};
    numbers.forEach(function (n) {
      var part = state.parts[n];
      terms = terms.concat(part.terms);
      part.vectors.forEach(function (entry) {
        (vectors[entry[0]] = vectors[entry[0]] || []).push(entry[1]);
      });
    });
    terms.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    var fieldVectors = Object.keys(vectors).map(function (ref) {
      var pairs = [];
      vectors[ref].forEach(function (flat) {
        for (var i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      });
      pairs.sort(function (a, b) { return a[0] - b[0]; });
      return [ref, [].concat.apply([], pairs)];
    });
    var m = state.manifest;
    state.index = window.lunr.Index.load({ version: m.version, fields: m.fields, fieldVectors: fieldVectors,
                                           invertedIndex: terms, pipeline: m.pipeline });
    state.indexKey = key;
    return state.index;
  }
  function plain(query) {
    return query.replace(/[:*~^+\-"\\]/g, " ").replace(/\s+/g, " ").trim();
  }
  function facet(kind, value) { return (kind + "_" + value).replace(/-/g, "_"); }

  // The whole search: parse, load the parts it needs, rank, filter. Never throws.
  function search(query, filters) {
    filters = filters || {};
    var facets = [];
    if (filters.topic) facets.push(facet("t", filters.topic));
    if (filters.year) facets.push(facet("y", filters.year));
    return ready().then(function () {
      var words = queryTerms(query), facetTerms = facets.map(function (f) { return { term: stem(f), prefix: false }; });
      if (!words.length && !facetTerms.length) return { results: [], query: query };
      var numbers = partsFor(words.concat(facetTerms));
      return loadParts(numbers).then(function () {
        var index = indexOf(numbers), results, used = query;
        if (words.length) {
          try { results = index.search(query); } catch (error) {
            used = plain(query);
            try { results = used ? index.search(used) : []; } catch (again) { results = []; }
          }
        }
        facets.forEach(function (f) {
          var allowed = {};
          index.search("+facets:" + f).forEach(function (r) { allowed[r.ref] = true; });
          results = (results || index.search("+facets:" + f)).filter(function (r) { return allowed[r.ref]; });
        });
        return { results: results || [], query: used, terms: words };
      });
    }).catch(function (error) {
      return { results: [], query: query, error: String(error && error.message || error) };
    });
  }

  // --- result details -----------------------------------------------------------------
  function chunkOf(slug) {
    var hash = 0x811c9dc5;
    var bytes = unescape(encodeURIComponent(slug));
    for (var i = 0; i < bytes.length; i++) {
      hash ^= bytes.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % state.manifest.chunks;
  }
  function details(refs) {
    var chunks = {};
    refs.forEach(function (ref) { chunks[chunkOf(ref)] = true; });
    return Promise.all(Object.keys(chunks).map(function (n) {
      return loadScript("docs" + n, "search/docs/" + n + ".js", function () { return !!state.docs[n]; });
    })).then(function () {
      return refs.map(function (ref) {
        var d = state.docs[chunkOf(ref)][ref];
        return { ref: ref, title: d[0], url: d[1], date: d[2], topics: d[3], abstract: d[4] };
      });
    });
  }
  function topicName(slug) {
    var found = (state.manifest.topics || []).filter(function (t) { return t[0] === slug; })[0];
    return found ? found[1] : slug;
  }

  // The abstract's sentence with most matched words, matched words in <mark>; built as DOM
  // text nodes, so nothing from the data is ever parsed as HTML.
  function passage(text, terms) {
    var sentences = text.match(/[^.!?]+[.!?]*\s*/g) || [text];
    function matches(word) {
      var lower = word.toLowerCase(), stemmed = stem(word);
      return terms.some(function (t) { return t.prefix ? lower.indexOf(t.term) === 0 : stemmed === t.term; });
    }
    var best = sentences[0], bestCount = -1;
    sentences.forEach(function (sentence) {
      var count = sentence.split(/[\s\-]+/).filter(matches).length;
      if (count > bestCount) { best = sentence; bestCount = count; }
    });
    var fragment = document.createDocumentFragment();
    best.trim().split(/(\s+)/).forEach(function (piece) {
      var word = /^(\W*)(.*?)(\W*)$/.exec(piece);
      if (word[2] && matches(word[2])) {
        var mark = document.createElement("mark");
        mark.textContent = word[2];
        fragment.appendChild(document.createTextNode(word[1]));
        fragment.appendChild(mark);
        fragment.appendChild(document.createTextNode(word[3]));
      } else {
        fragment.appendChild(document.createTextNode(piece));
      }
    });
    return fragment;
  }
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
  function resultItem(doc, terms, id) {
    var item = element("li", "search-result");
    if (id) { item.id = id; item.setAttribute("role", "option"); }
    var link = element("a", "result-title", doc.title);
    link.href = withIndexHtml(root + doc.url);
    item.appendChild(link);
    item.appendChild(element("span", "meta", formatDate(doc.date) + " · " + doc.topics.map(topicName).join(", ")));
    var snippet = element("span", "passage");
    snippet.appendChild(passage(doc.abstract, terms || []));
    item.appendChild(snippet);
    return item;
  }
  function searchPageUrl(query) {
    return withIndexHtml(root + "search/") + "?q=" + encodeURIComponent(query);
  }

  // --- the header box: results as you type, arrows, Enter, Esc --------------------------
  function headerBox(form) {
    var input = form.querySelector("input[type=search]");
    var list = element("ul", "search-dropdown");
    list.id = "search-dropdown";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-autocomplete", "list");
    var active = -1, latest = 0, timer = null;

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, i) { item.classList.toggle("active", i === index); });
      active = index;
      if (index >= 0 && items[index]) input.setAttribute("aria-activedescendant", items[index].id);
    }
    function show(query) {
      var ticket = ++latest;
      search(query).then(function (found) {
        if (ticket !== latest) return;
        var top = found.results.slice(0, 8);
        return details(top.map(function (r) { return r.ref; })).then(function (docs) {
          if (ticket !== latest) return;
          list.textContent = "";
          docs.forEach(function (doc, i) { list.appendChild(resultItem(doc, found.terms, "search-option-" + i)); });
          var more = element("li", "search-more");
          var link = element("a", null, found.results.length
            ? "All " + found.results.length + " result" + (found.results.length === 1 ? "" : "s") + " for “" + query + "”"
            : "No papers match “" + query + "”. Try fewer or shorter words, or a word followed by *.");
          link.href = searchPageUrl(query);
          more.appendChild(link);
          list.appendChild(more);
          list.hidden = false; active = -1;
          input.setAttribute("aria-expanded", "true");
        });
      });
    }
    input.addEventListener("focus", function () { ready(); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (!query) { close(); return; }
      timer = setTimeout(function () { show(query); }, 60);
    });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("[role=option]");
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault(); highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault(); highlight(Math.max(active - 1, 0));
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0 && items[active]) {
        event.preventDefault();
        location.href = items[active].querySelector("a").href;
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.value.trim()) location.href = searchPageUrl(input.value.trim());
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

    function fillFilters() {
      state.manifest.topics.forEach(function (t) {
        var option = element("option", null, t[1]); option.value = t[0]; topic.appendChild(option);
      });
      state.manifest.years.forEach(function (y) {
        var option = element("option", null, String(y)); option.value = String(y); year.appendChild(option);
      });
      topic.value = params.get("topic") || "";
      year.value = params.get("year") || "";
    }
    function showMore() {
      var batch = current.results.slice(shown, shown + 20);
      return details(batch.map(function (r) { return r.ref; })).then(function (docs) {
        docs.forEach(function (doc) { list.appendChild(resultItem(doc, current.terms)); });
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
        status.textContent = "Type a few words: titles, topics and abstracts of " + state.manifest.count + " papers are searched.";
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
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 60); });
    topic.addEventListener("change", run);
    year.addEventListener("change", run);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    more.addEventListener("click", showMore);
    ready().then(function () { fillFilters(); run(); });
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

  window.sitegenSearch.run = search;  // for tests and the curious
})();
