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
  // Opening a block's editor focuses its first field.
  document.querySelectorAll("details.edit").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) {
        var field = details.querySelector("textarea");
        if (field) { field.focus(); }
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
