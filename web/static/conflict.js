// Edit conflicts on the draft page: the reviewer's text stays in the form, the other
// version is shown beside it; a button per field copies the other version into the form.
// Kept apart from app.js so the draft page can be rebuilt without touching it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".conflict-theirs[data-field]").forEach(function (theirs) {
    var form = theirs.closest("form");
    var name = theirs.getAttribute("data-field");
    var field = form && form.querySelector("[name='" + name.replace(/'/g, "") + "']");
    var text = theirs.querySelector(".theirs-text");
    if (!field || !text) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = "Use this version";
    button.addEventListener("click", function () {
      // A field shown in the rich editor (review.js) is set through it, so both views agree.
      var editors = window.transdraftEditors && window.transdraftEditors.get(form);
      var editor = editors && editors.find(function (each) { return each.textarea === field; });
      if (editor) { editor.setValue(text.textContent); } else { field.value = text.textContent; }
    });
    theirs.appendChild(button);
  });
});
