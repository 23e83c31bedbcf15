// transdraft reviewer UI: small progressive enhancements, no inline handlers (CSP).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // "Copy" buttons next to a freshly created token.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          button.textContent = "Copied";
        });
      }
    });
  });
  // Ask before rejecting: a rejection ends the review of this draft.
  document.querySelectorAll("form[action$='/reject']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm("Reject this draft?")) { event.preventDefault(); }
    });
  });
});

// The Jobs page: while jobs are queued or running (the server marks the list with
// data-refresh), fetch the page again every few seconds and swap in the new list, so the
// enqueue form keeps what is being typed. Stops once nothing is left to wait for.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("jobs-list");
  if (!list || !list.hasAttribute("data-refresh") || !window.fetch) { return; }
  function schedule(seconds) {
    window.setTimeout(refresh, Math.max(1, seconds) * 1000);
  }
  function refresh() {
    window.fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var next = fresh.getElementById("jobs-list");
        var count = fresh.getElementById("jobs-count");
        if (!next) { return; }
        list.innerHTML = next.innerHTML;
        if (count && document.getElementById("jobs-count")) {
          document.getElementById("jobs-count").textContent = count.textContent;
        }
        if (next.hasAttribute("data-refresh")) {
          schedule(Number(next.getAttribute("data-refresh")));
        } else {
          list.removeAttribute("data-refresh");
        }
      })
      .catch(function () { schedule(15); });  // signed out or server away: try again later
  }
  schedule(Number(list.getAttribute("data-refresh")));
});
