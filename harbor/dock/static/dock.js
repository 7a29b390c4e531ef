// Progressive enhancement: the pages work as plain HTML; this adds filtering and the node address.
(function () {
  "use strict";
  var search = document.getElementById("search");
  var category = document.getElementById("category");
  function filter() {
    var words = (search.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = category.value;
    var shown = 0;
    document.querySelectorAll(".card").forEach(function (card) {
      var text = card.getAttribute("data-search");
      var cats = card.getAttribute("data-categories").split(" ");
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        (!wanted || cats.indexOf(wanted) !== -1);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById("no-match").hidden = shown !== 0;
  }
  if (search && category) {
    search.addEventListener("input", filter);
    category.addEventListener("change", filter);
  }

  var node = document.getElementById("node-address");
  function manifestUrl(el) {
    return new URL(el.getAttribute("data-manifest"), window.location.href).href;
  }
  function updateLinks() {
    var base = (node.value || "").replace(/\/+$/, "");
    document.querySelectorAll(".import-link").forEach(function (a) {
      a.href = base + "/dock/import?url=" + encodeURIComponent(manifestUrl(a));
    });
    document.querySelectorAll(".import-command").forEach(function (code) {
      code.textContent = "harbor dock import " + manifestUrl(code);
    });
  }
  if (node) {
    try { node.value = window.localStorage.getItem("harbor-node") || node.value; } catch (e) {}
    node.addEventListener("change", function () {
      try { window.localStorage.setItem("harbor-node", node.value); } catch (e) {}
      updateLinks();
    });
    if (window.location.protocol !== "file:") { updateLinks(); }
  }
})();
