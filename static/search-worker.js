// sitegen search worker: the search core off the page's main thread. The page sends the
// site root first, then {id, op, args} messages; each answer carries the same id.  A
// "prepare" (sent at every keystroke) has no id and gets no answer.
self.onmessage = function (event) {
  var message = event.data;
  if (message.root) {
    self.sitegenSearchRoot = message.root;
    importScripts(message.root + "static/search-core.js");
    return;
  }
  var core = self.sitegenSearchCore;
  if (message.op === "prepare") {
    core.prepare(message.args[0], message.args[1]);
    return;
  }
  var work = message.op === "search" ? core.search(message.args[0], message.args[1])
    : message.op === "details" ? core.details(message.args[0], message.args[1])
    : core.manifest();
  work.then(function (result) { self.postMessage({ id: message.id, result: result }); },
            function (error) { self.postMessage({ id: message.id, error: String(error) }); });
};
