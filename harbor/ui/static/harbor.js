// Harbor console: small improvements on pages that work without JavaScript.
// - [data-copy]: copy buttons (hidden until this script shows them)
// - form[data-confirm]: ask before submitting
// - textarea[data-json-editor]: say at once whether the text is valid JSON
// - [data-refresh]: refresh a list in place every few seconds, keeping what the operator types
"use strict";

(function () {
  function initCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  function initConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  function initJsonEditors(root) {
    root.querySelectorAll("textarea[data-json-editor]").forEach(function (area) {
      var status = document.getElementById(area.id + "-status");
      function check() {
        if (!status) return;
        try {
          JSON.parse(area.value);
          status.textContent = "Valid JSON";
          status.className = "json-status ok";
        } catch (err) {
          status.textContent = "Not valid JSON yet: " + err.message;
          status.className = "json-status bad";
        }
      }
      area.addEventListener("input", check);
    });
  }

  function init(root) {
    initCopy(root);
    initConfirm(root);
    initJsonEditors(root);
  }

  // Keep every existing child (and whatever is typed into it); add new ones, drop gone ones.
  function reconcile(current, fresh) {
    var keep = {};
    Array.prototype.forEach.call(current.children, function (child) {
      var key = child.getAttribute("data-key");
      if (key) keep[key] = child;
    });
    var wanted = Array.prototype.slice.call(fresh.children);
    var busy = current.contains(document.activeElement) ? document.activeElement.closest("[data-key]") : null;
    Array.prototype.forEach.call(current.querySelectorAll(":scope > [data-key]"), function (child) {
      var stillThere = wanted.some(function (n) { return n.getAttribute("data-key") === child.getAttribute("data-key"); });
      if (!stillThere && child !== busy) child.remove();
    });
    Array.prototype.forEach.call(current.querySelectorAll(":scope > :not([data-key])"), function (child) { child.remove(); });
    var previous = null;
    wanted.forEach(function (node) {
      var key = node.getAttribute("data-key");
      var existing = key ? keep[key] : null;
      var item = existing && existing.parentNode === current ? existing : document.importNode(node, true);
      if (existing) {
        // Refresh only the parts marked live (ages, counters), never the forms.
        var liveNew = node.querySelectorAll("[data-live]");
        existing.querySelectorAll("[data-live]").forEach(function (el, i) {
          if (liveNew[i]) el.innerHTML = liveNew[i].innerHTML;
        });
      } else {
        init(item);
      }
      if (previous) previous.after(item); else current.prepend(item);
      previous = item;
    });
  }

  function initRefresh() {
    document.querySelectorAll("[data-refresh]").forEach(function (region) {
      var seconds = parseInt(region.getAttribute("data-refresh"), 10) || 5;
      var note = document.querySelector("[data-refresh-note]");
      if (note) note.hidden = false;
      setInterval(function () {
        if (document.hidden) return;
        fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (!html) return;
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById(region.id);
            if (fresh) reconcile(region, fresh);
            document.querySelectorAll("[data-live-page]").forEach(function (el) {
              var other = doc.getElementById(el.id);
              if (other) el.innerHTML = other.innerHTML;
            });
          })
          .catch(function () { /* offline for a moment: try again next time */ });
      }, seconds * 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    initRefresh();
  });
})();
