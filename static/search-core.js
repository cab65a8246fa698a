// sitegen search core: loads the index in parts and searches it with lunr.js. It runs in a
// Web Worker where the browser allows (pages served over http), else in the page itself
// (pages opened from disk, where browsers refuse workers). Every part is a script file.
(function (scope) {
  "use strict";
  var inWorker = typeof importScripts === "function" && typeof document === "undefined";
  var root = scope.sitegenSearchRoot || "./";
  var state = { manifest: null, parts: {}, docs: {}, names: {}, waiting: {}, index: null, indexKey: "" };

  // --- loading parts -----------------------------------------------------------------
  function arrived(key) {
    (state.waiting[key] || []).forEach(function (callbacks) { callbacks[0](); });
    delete state.waiting[key];
  }
  scope.sitegenSearch = {
    manifest: function (manifest) { state.manifest = manifest; arrived("manifest"); },
    part: function (number, part) { state.parts[number] = part; arrived("part" + number); },
    docs: function (name, docs) { state.docs[name] = docs; arrived("docs" + name); },
    names: function (number, names) { state.names[number] = names; arrived("names" + number); }
  };
  var loadedScripts = {}, fetching = {};
  function loadScript(key, src, isLoaded) {
    if (isLoaded()) return Promise.resolve();
    if (inWorker && key === "lunr") {  // synchronous, and off the page's main thread
      try { importScripts(root + src); } catch (error) { return Promise.reject(new Error("could not load " + src)); }
      arrived("lunr");
      return Promise.resolve();
    }
    if (inWorker) {  // parts and documents: fetched side by side, then run like importScripts
      if (!fetching[src]) {
        fetching[src] = fetch(root + src).then(function (response) {
          if (!response.ok) throw new Error("could not load " + src);
          return response.text();
        }).then(function (text) { (0, eval)(text); })
          .finally(function () { delete fetching[src]; });
      }
      return fetching[src];
    }
    return new Promise(function (resolve, reject) {
      (state.waiting[key] = state.waiting[key] || []).push([resolve, reject]);
      if (loadedScripts[src]) return;
      loadedScripts[src] = true;
      var element = document.createElement("script");
      element.src = root + src;
      function failed() {  // the waiters told, and the file tried again next time
        delete loadedScripts[src];
        element.remove();
        (state.waiting[key] || []).forEach(function (callbacks) { callbacks[1](new Error("could not load " + src)); });
        delete state.waiting[key];
      }
      element.onload = function () {  // (a part calls sitegenSearch as it runs: arrived already)
        if (!isLoaded()) failed();  // a file that is not what it should be
        else if (key === "lunr") arrived("lunr");
      };
      element.onerror = failed;
      document.head.appendChild(element);
    });
  }
  var warmedUp = null;
  function ready() {
    return warmedUp || (warmedUp = Promise.all([
      loadScript("lunr", "static/vendor/lunr-2.3.9/lunr.min.js", function () { return !!scope.lunr; }),
      loadScript("manifest", "search/manifest.js", function () { return !!state.manifest; })
    ]).then(inWorker ? warmUp : null, function (error) { warmedUp = null; throw error; })
      .then(namesOfASmallDigest));
  }
  // Where the chunks' names fit in a few files (up to about 16,000 papers), they load with
  // the manifest: the first results then wait for one download fewer.
  function namesOfASmallDigest() {
    var per = state.manifest.namesPerFile, count = state.manifest.chunkSizes.length, firsts = [];
    for (var chunk = 0; chunk < count && count <= 4 * per; chunk += per) firsts.push(chunk);
    return loadNames(firsts).catch(function () { /* loaded again when results need them */ });
  }
  // The first search of a page runs lunr's code cold, which at 10,000 papers costs about
  // as much as the search itself.  In the worker, while the reader is still typing, a few
  // searches over a made-up index of the same shape get that code compiled.
  function warmUp() {
    var count = 2000, made = [];
    ["warma", "warmb"].forEach(function (term, t) {
      var scored = [];
      for (var d = 0; d < count; d++) scored.push(d ? 1 : 0, 1000 + (d % 7) * 100);
      made.push([term, t, state.manifest.fields.map(function (_, f) { return f < 2 ? scored : []; })]);
    });
    state.parts.warmup = made;
    try {
      for (var round = 0; round < 3; round++) { state.index = null; indexOf(["warmup"]).search("warma warmb"); }
    } catch (error) { /* only a warm-up */ }
    delete state.parts.warmup;
    state.index = null;
  }

  // --- query terms -> parts -> one small lunr index ----------------------------------
  function stem(word) {
    var trimmed = word.toLowerCase().replace(/^\W+/, "").replace(/\W+$/, "");
    return trimmed ? scope.lunr.stemmer(new scope.lunr.Token(trimmed)).toString() : "";
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
  // The position of the last of `starts` (sorted) that is at or before `value`.
  function lastAtOrBefore(starts, value) {
    var low = 0, high = starts.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (starts[middle] <= value) low = middle; else high = middle - 1;
    }
    return low;
  }
  function partOf(term) { return lastAtOrBefore(state.manifest.parts, term); }
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
  // lunr copies a posting's metadata and never changes it: every posting can share one.
  var NO_METADATA = Object.freeze({});
  function indexOf(numbers) {
    var key = numbers.join(",");
    if (state.index && state.indexKey === key) return state.index;
    // Expand the parts' compact form into lunr's serialised one; document n is ref "d" + n.
    // Each term lists, per field, its documents (each as the step from the one before)
    // with their scores in thousandths: the field vectors are rebuilt from those scores,
    // each sorted by term index as lunr.Vector requires.
    var fields = state.manifest.fields, terms = [], vectors = Object.create(null), unsorted = {};
    numbers.forEach(function (n) {
      state.parts[n].forEach(function (entry) {
        var termIndex = entry[1], posting = { _index: termIndex };
        fields.forEach(function (field, f) {
          var documents = {}, scored = entry[2][f], document = 0;
          for (var i = 0; i < scored.length; i += 2) {
            document += scored[i];
            var score = scored[i + 1] / 1000;
            var ref = "d" + document, vectorRef = field + "/" + ref, vector = vectors[vectorRef];
            documents[ref] = NO_METADATA;
            if (vector === undefined) vectors[vectorRef] = [termIndex, score];
            else {
              if (vector[vector.length - 2] > termIndex) unsorted[vectorRef] = true;
              vector.push(termIndex, score);
            }
          }
          posting[field] = documents;
        });
        terms.push([entry[0], posting]);
      });
    });
    terms.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    Object.keys(unsorted).forEach(function (ref) {  // lunr.Vector wants its entries by index
      var flat = vectors[ref], pairs = [];
      for (var i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      pairs.sort(function (a, b) { return a[0] - b[0]; });
      vectors[ref] = [].concat.apply([], pairs);
    });
    var fieldVectors = Object.keys(vectors).map(function (ref) { return [ref, vectors[ref]]; });
    var m = state.manifest;
    state.index = scope.lunr.Index.load({ version: m.version, fields: m.fields, fieldVectors: fieldVectors,
                                           invertedIndex: terms, pipeline: m.pipeline });
    state.indexKey = key;
    return state.index;
  }
  function plain(query) {
    return query.replace(/[:*~^+\-"\\]/g, " ").replace(/\s+/g, " ").trim();
  }
  function facet(kind, value) { return (kind + "_" + value).replace(/-/g, "_"); }

  function facetsOf(filters) {
    var facets = [];
    if (filters.topic) facets.push(facet("t", filters.topic));
    if (filters.year) facets.push(facet("y", filters.year));
    return facets;
  }
  function partsOf(words, facets) {
    return partsFor(words.concat(facets.map(function (f) { return { term: stem(f), prefix: false }; })));
  }

  // What a search will need, readied while the reader is still typing: the parts of the
  // query's terms and, in a worker, the index made of them (the search then finds it
  // made).  In the page itself (opened from disk) the index waits for the search: made on
  // the page's own thread at every keystroke, it would hold up the typing.
  var latestPrepared = 0;
  function prepare(query, filters) {
    var ticket = ++latestPrepared;
    return ready().then(function () {
      var numbers = partsOf(queryTerms(query), facetsOf(filters || {}));
      return loadParts(numbers).then(function () {
        if (inWorker && ticket === latestPrepared && numbers.length) indexOf(numbers);
      });
    }).catch(function () { /* only readying: the search says what went wrong */ });
  }

  // The whole search: parse, load the parts it needs, rank, filter. Never throws.  A
  // search supersedes the prepares before it: their index would push its own out.
  function search(query, filters) {
    latestPrepared++;
    var facets = facetsOf(filters || {});
    return ready().then(function () {
      var words = queryTerms(query);
      if (!words.length && !facets.length) return { results: [], query: query };
      var numbers = partsOf(words, facets);
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
        results = (results || []).map(function (r) { return { ref: r.ref, score: r.score }; });
        return { results: results, query: used, terms: words };
      });
    }).catch(function (error) {
      return { results: [], query: query, error: String(error && error.message || error) };
    });
  }

  // --- result details -----------------------------------------------------------------
  function chunkStarts() {
    if (!state.chunkStarts) {
      var start = 0;
      state.chunkStarts = state.manifest.chunkSizes.map(function (size) { start += size; return start - size; });
    }
    return state.chunkStarts;
  }
  function chunkOf(n) { return lastAtOrBefore(chunkStarts(), n); }
  // A chunk's name (its first paper's id) is in the file of names that lists it.
  function nameOf(chunk) {
    var per = state.manifest.namesPerFile;
    return state.names[Math.floor(chunk / per)][chunk % per];
  }
  function loadNames(chunks) {
    var files = {}, per = state.manifest.namesPerFile;
    chunks.forEach(function (chunk) { files[Math.floor(chunk / per)] = true; });
    return Promise.all(Object.keys(files).map(function (n) {
      return loadScript("names" + n, "search/chunks/" + n + ".js", function () { return !!state.names[n]; });
    }));
  }
  function details(refs, terms) {
    var starts = chunkStarts();
    var numbers = refs.map(function (ref) { return Number(String(ref).slice(1)); });
    var chunkNumbers = numbers.map(chunkOf);
    return loadNames(chunkNumbers).then(function () {
      var chunks = {};
      chunkNumbers.forEach(function (chunk) { chunks[nameOf(chunk)] = true; });
      return Promise.all(Object.keys(chunks).map(function (name) {
        return loadScript("docs" + name, "search/docs/" + name + ".js", function () { return !!state.docs[name]; });
      }));
    }).then(function () {
      return numbers.map(function (n, i) {
        var chunk = chunkNumbers[i], d = state.docs[nameOf(chunk)][n - starts[chunk]];
        return { ref: refs[i], slug: d[0], title: d[1], url: "papers/" + d[0] + "/", date: d[2],
                 topics: d[3].map(topicName), passage: passage(d[4], terms || []) };
      });
    });
  }
  function topicName(slug) {
    var found = (state.manifest.topics || []).filter(function (t) { return t[0] === slug; })[0];
    return found ? found[1] : slug;
  }

  // The abstract's sentence with most matched words, as [text, matched] pieces; the page
  // turns them into text nodes and <mark>s, so nothing from the data is parsed as HTML.
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
    var pieces = [];
    best.trim().split(/(\s+)/).forEach(function (piece) {
      var word = /^(\W*)(.*?)(\W*)$/.exec(piece);
      if (word[2] && matches(word[2])) pieces.push([word[1], false], [word[2], true], [word[3], false]);
      else pieces.push([piece, false]);
    });
    return pieces;
  }

  scope.sitegenSearchCore = {
    prepare: prepare,
    search: search,
    details: details,
    manifest: function () { return ready().then(function () { return state.manifest; }); }
  };
})(typeof self !== "undefined" ? self : window);
