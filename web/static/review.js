// transdraft reviewer workspace: block editors without HTML, keyboard navigation, the
// decision bar's buttons. Plain JS, no build step, no inline handlers (CSP). Without it the
// page still works: a block's "Edit" leads to a page with its form, textareas holding the
// block's inline HTML.
"use strict";
(function () {
  // What a block's inline HTML may hold; the server sanitizes again (clean_inline).
  var KEEP = { A: "a", EM: "em", I: "em", STRONG: "strong", B: "strong", CODE: "code",
    SUB: "sub", SUP: "sup", SMALL: "small", CITE: "cite", BR: "br" };

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/\u00a0/g, " ");
  }
  function escapeAttr(text) { return escapeText(text).replace(/"/g, "&quot;"); }

  // The editor's DOM as inline HTML: b/i become strong/em, stray blocks become line breaks.
  function serialize(node) {
    var out = "";
    node.childNodes.forEach(function (child) {
      if (child.nodeType === Node.TEXT_NODE) { out += escapeText(child.nodeValue); return; }
      if (child.nodeType !== Node.ELEMENT_NODE) { return; }
      var tag = KEEP[child.tagName];
      var inner = serialize(child);
      if (tag === "br") { out += "<br>"; }
      else if (tag === "a") {
        var href = child.getAttribute("href") || "";
        out += href ? '<a href="' + escapeAttr(href) + '">' + inner + "</a>" : inner;
      } else if (tag) { out += inner ? "<" + tag + ">" + inner + "</" + tag + ">" : ""; }
      else if (child.tagName === "DIV" || child.tagName === "P") {
        out += (out && !/<br>$/.test(out) ? "<br>" : "") + inner;
      } else { out += inner; }
    });
    return out;
  }
  function finish(html) { return html.replace(/(<br>)+$/, "").replace(/\s+$/, ""); }

  // Put inline HTML into the editor through an inert document, keeping allowed markup only.
  function fill(target, html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    target.textContent = "";
    copyAllowed(doc.body, target);
  }
  function copyAllowed(from, to) {
    from.childNodes.forEach(function (child) {
      if (child.nodeType === Node.TEXT_NODE) { to.appendChild(document.createTextNode(child.nodeValue)); return; }
      if (child.nodeType !== Node.ELEMENT_NODE) { return; }
      var tag = KEEP[child.tagName];
      if (!tag) { copyAllowed(child, to); return; }
      var made = document.createElement(tag);
      if (tag === "a") {
        var href = child.getAttribute("href") || "";
        if (!/^(https?:|mailto:)/i.test(href)) { copyAllowed(child, to); return; }
        made.setAttribute("href", href);
      }
      to.appendChild(made);
      copyAllowed(child, made);
    });
  }

  // One rich editor over a textarea; the textarea stays the form field (and the "HTML"
  // view). Returned object: the seam a conflict display can use (showOther).
  function RichEditor(textarea) {
    var field = textarea.closest(".field");
    var label = field.querySelector("label");
    var box = document.createElement("div");
    box.className = "rich-editor";
    var bar = document.createElement("div");
    bar.className = "rich-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting of " + label.textContent.trim());
    var editable = document.createElement("div");
    editable.className = "rich";
    editable.contentEditable = "true";
    editable.setAttribute("role", "textbox");
    editable.setAttribute("aria-multiline", "false");
    editable.setAttribute("aria-labelledby", label.id);
    editable.spellcheck = true;
    var self = { textarea: textarea, editable: editable, original: textarea.value, field: field };

    function button(text, title, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "small tool";
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", text + ": " + title);  // the name starts with what is seen
      // Keep the selection in the editor when a tool is pressed.
      b.addEventListener("mousedown", function (event) { event.preventDefault(); });
      b.addEventListener("click", action);
      bar.appendChild(b);
      return b;
    }
    function sync() { textarea.value = finish(serialize(editable)); }
    function command(name, value) {
      editable.focus();
      document.execCommand(name, false, value);
      sync();
    }
    button("B", "Bold (Ctrl+B)", function () { command("bold"); });
    button("I", "Italic (Ctrl+I)", function () { command("italic"); });
    var linkButton = button("Link", "Add or change a link (Ctrl+K)", function () { self.askLink(); });
    button("Unlink", "Remove the link", function () { self.unlink(); });
    var sourceButton = button("HTML", "Show the HTML source", function () { self.toggleSource(); });
    sourceButton.setAttribute("aria-pressed", "false");

    var linkForm = document.createElement("div");
    linkForm.className = "link-form";
    linkForm.hidden = true;
    var linkInput = document.createElement("input");
    linkInput.type = "url";
    linkInput.placeholder = "https://…";
    linkInput.setAttribute("aria-label", "Link target");
    var linkApply = document.createElement("button");
    linkApply.type = "button";
    linkApply.className = "small";
    linkApply.textContent = "Apply link";
    linkForm.appendChild(linkInput);
    linkForm.appendChild(linkApply);
    var saved = null;

    self.askLink = function () {
      var selection = window.getSelection();
      saved = selection.rangeCount && editable.contains(selection.anchorNode)
        ? selection.getRangeAt(0).cloneRange() : null;
      var current = saved && closestLink(saved.startContainer);
      linkInput.value = current ? current.getAttribute("href") : "";
      linkForm.hidden = false;
      linkInput.focus();
    };
    function applyLink() {
      var href = linkInput.value.trim();
      linkForm.hidden = true;
      editable.focus();
      if (saved) {
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(saved);
      }
      if (href && /^(https?:|mailto:)/i.test(href)) {
        var existing = saved && closestLink(saved.startContainer);
        if (existing && saved.collapsed) { existing.setAttribute("href", href); sync(); }
        else { command("createLink", href); }
      }
    }
    linkApply.addEventListener("click", applyLink);
    linkInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); applyLink(); }
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); linkForm.hidden = true; editable.focus(); }
    });
    function closestLink(node) {
      while (node && node !== editable) {
        if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "A") { return node; }
        node = node.parentNode;
      }
      return null;
    }
    self.unlink = function () {
      var selection = window.getSelection();
      var link = selection.rangeCount && closestLink(selection.anchorNode);
      if (link) {
        while (link.firstChild) { link.parentNode.insertBefore(link.firstChild, link); }
        link.remove();
        sync();
      } else { command("unlink"); }
      editable.focus();
    };
    self.toggleSource = function () {
      var showing = textarea.hidden;
      if (showing) {  // to the HTML source
        sync();
        textarea.hidden = false;
        editable.hidden = true;
        textarea.focus();
      } else {
        fill(editable, textarea.value);
        textarea.hidden = true;
        editable.hidden = false;
        editable.focus();
      }
      sourceButton.setAttribute("aria-pressed", String(showing));
      sourceButton.textContent = showing ? "Text" : "HTML";
    };
    self.sync = function () { if (textarea.hidden) { sync(); } };
    self.reset = function () { textarea.value = self.original; fill(editable, self.original); };
    self.setValue = function (html) { textarea.value = html; fill(editable, html); };
    self.focus = function () { (textarea.hidden ? editable : textarea).focus(); };
    // For a conflict display: show someone else's version beside the typed text.
    self.showOther = function (html, heading) {
      var slot = field.querySelector(".other-version");
      if (!slot) { return; }
      slot.textContent = "";
      var title = document.createElement("p");
      title.className = "sub";
      title.textContent = heading || "The other version";
      var body = document.createElement("div");
      body.className = "rich other";
      fill(body, html);
      slot.appendChild(title);
      slot.appendChild(body);
      slot.hidden = false;
    };

    editable.addEventListener("input", sync);
    editable.addEventListener("keydown", function (event) {
      var key = event.key.toLowerCase();
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();  // one block is one paragraph; Shift+Enter breaks a line
        if (event.shiftKey) { command("insertLineBreak"); }
      } else if ((event.ctrlKey || event.metaKey) && key === "k") {
        event.preventDefault();
        self.askLink();
      } else if ((event.ctrlKey || event.metaKey) && (key === "b" || key === "i")) {
        event.preventDefault();
        command(key === "b" ? "bold" : "italic");
      }
    });
    editable.addEventListener("paste", function (event) {
      event.preventDefault();  // pasted text arrives as text, never as foreign markup
      var text = (event.clipboardData || window.clipboardData).getData("text/plain");
      document.execCommand("insertText", false, text.replace(/\s*\n\s*/g, " "));
    });

    fill(editable, textarea.value);
    textarea.hidden = true;
    box.appendChild(bar);
    box.appendChild(linkForm);
    box.appendChild(editable);
    textarea.parentNode.insertBefore(box, textarea);
    box.appendChild(textarea);
    linkButton.setAttribute("aria-haspopup", "true");
    return self;
  }

  var editors = new Map();  // form -> [RichEditor]
  window.transdraftEditors = editors;

  // Rich editors are built when their form is first opened: a 300-block draft has over
  // 300 of them, and the page is interactive sooner without building them all up front.
  function ensureForm(form) {
    if (form && !editors.has(form)) { setUpForm(form); }
  }

  function setUpForm(form) {
    var list = [];
    form.querySelectorAll("textarea[data-rich]").forEach(function (textarea) {
      list.push(RichEditor(textarea));
    });
    editors.set(form, list);
    var originals = [];
    form.querySelectorAll("input:not([type=hidden])").forEach(function (input) {
      originals.push([input, input.value]);
    });
    form.addEventListener("submit", function () { list.forEach(function (e) { e.sync(); }); });
    var cancel = form.querySelector("button.cancel");
    form.cancelEdit = function () {
      list.forEach(function (e) { e.reset(); });
      originals.forEach(function (pair) { pair[0].value = pair[1]; });
      var details = form.closest("details");
      var back = form.querySelector("a.cancel");  // an editor on a page of its own
      if (!details && back) { window.location.assign(back.href); return; }
      if (details) { details.open = false; }
      var row = form.closest(".row") || document.getElementById("draft-title");
      if (row) { row.focus(); }
    };
    if (cancel) { cancel.addEventListener("click", form.cancelEdit); }
  }

  function focusFirst(form) {
    ensureForm(form);
    var list = editors.get(form);
    if (list.length) { list[0].focus(); return; }
    var input = form.querySelector("input:not([type=hidden]), textarea");
    if (input) { input.focus(); }
  }

  // The part of a page behind a slot's link (the link's address with fragment=1): how a
  // block's editor form and its history come in without being on the page from the start.
  function fetchFragment(slot) {
    var link = slot.querySelector("a[href]");
    if (!link) { return Promise.reject("no link"); }
    var url = new URL(link.href);
    url.searchParams.set("fragment", "1");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  // A block's form is fetched when its editor is first opened, so a long draft's page
  // carries no form it does not need; the title's form is on the page.
  var loading = new Map();  // details -> Promise of its form
  function loadEditor(details) {
    var form = details.querySelector("form.editor-form");
    var slot = details.querySelector(".editor-slot");
    if (form || !slot) { return Promise.resolve(form); }
    if (!loading.has(details)) {
      loading.set(details, fetchFragment(slot)
        .then(function (doc) {
          var fetched = doc.querySelector("form.editor-form");
          if (!fetched) { return Promise.reject("no form"); }
          var made = document.importNode(fetched, true);
          slot.replaceChildren(made);
          ensureForm(made);
          return made;
        })
        .catch(function (why) {
          loading.delete(details);  // the link to the editor's own page stays in the slot
          return Promise.reject(why);
        }));
    }
    return loading.get(details);
  }

  // Open an editor and move the focus into it once its form is there. Keys pressed while
  // it loads do not navigate away (they would move the block being edited).
  var opening = null;
  function openEditor(details) {
    details.open = true;
    opening = details;
    loadEditor(details).then(function (form) {
      if (opening === details) { opening = null; }
      if (form && details.open) { focusFirst(form); }
    }, function () {
      if (opening === details) { opening = null; }
      announce("The editor did not load: follow the link to edit this block on its own page.");
    });
  }

  // Fetch the editor of the block the reviewer has stopped at, so "e" opens it at once.
  var prefetchTimer = 0;
  function prefetchSoon(row) {
    window.clearTimeout(prefetchTimer);
    var details = row && row.querySelector && row.querySelector("details.edit");
    if (!details) { return; }
    prefetchTimer = window.setTimeout(function () {
      if (current === row) { loadEditor(details).catch(function () { /* fetched on open */ }); }
    }, 150);
  }

  // --- navigation -----------------------------------------------------------------------
  var bar = null;
  var current = null;  // the block (or title) the reviewer is at

  function blocks() { return Array.prototype.slice.call(document.querySelectorAll(".row.block")); }
  function flagged() { return Array.prototype.slice.call(document.querySelectorAll(".flagged")); }
  function edited() { return Array.prototype.slice.call(document.querySelectorAll(".row.edited")); }

  function here() {
    if (current && document.contains(current)) { return current; }
    var top = bar ? bar.getBoundingClientRect().bottom : 0;
    var found = null;
    blocks().some(function (row) {
      if (row.getBoundingClientRect().bottom > top + 4) { found = row; return true; }
      return false;
    });
    return found;
  }
  function go(target, what, list) {
    if (!target) { announce("No " + what + " there."); return; }
    current = target;
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
    prefetchSoon(target);
    var position = list.indexOf(target) + 1;
    var name = target.getAttribute("aria-label") || "the title";
    announce(what.charAt(0).toUpperCase() + what.slice(1) + " " + position + " of " + list.length + ": " + name);
  }
  function step(list, direction, what) {
    if (!list.length) { announce("No " + what + "s."); return; }
    var at = here();
    var target = null;
    if (!at) { target = direction > 0 ? list[0] : list[list.length - 1]; }
    else if (direction > 0) {
      // Before any move, the block at the top of the screen counts as not yet visited.
      var inclusive = !current;
      target = list.find(function (el) {
        return (inclusive && el === at) ||
          (el !== at && (at.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
      });
    } else {
      target = list.slice().reverse().find(function (el) {
        return el !== at && (at.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
      });
    }
    if (!target && at) {  // past the last (or before the first): go round
      target = direction > 0 ? list[0] : list[list.length - 1];
    }
    go(target, what, list);
  }
  function announce(text) {
    var status = document.getElementById("nav-status");
    if (status) { status.textContent = text; }
  }
  function editCurrent() {
    var at = here();
    var details = at && (at.id === "title-checks" ? document.querySelector("details.edit-title")
      : at.querySelector("details.edit"));
    if (!details) { announce("This block has no editor."); return; }
    openEditor(details);
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function onKey(event) {
    var form = event.target.closest && event.target.closest("form.editor-form");
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (form && event.key === "Escape") {
      ensureForm(form);
      event.preventDefault();
      form.cancelEdit();
      return;
    }
    if (opening && !typing(event.target)) {
      if (event.key === "Escape") {  // cancel an editor still loading
        opening.open = false;
        var row = opening.closest(".row");
        opening = null;
        if (row) { row.focus(); }
      }
      if (event.key.length === 1 || event.key === "Escape") { event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var dialog = document.getElementById("keys-help");
    if (dialog && dialog.open) { return; }
    var actions = {
      j: function () { step(blocks(), 1, "block"); },
      k: function () { step(blocks(), -1, "block"); },
      n: function () { step(flagged(), 1, "warning"); },
      p: function () { step(flagged(), -1, "warning"); },
      e: editCurrent,
      "?": function () { if (dialog) { dialog.showModal(); } },
    };
    var action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  }

  function loadHistory(details) {
    var slot = details.querySelector(".history-slot");
    if (!slot || details.dataset.loaded) { return; }
    details.dataset.loaded = "1";
    fetchFragment(slot)
      .then(function (doc) {
        slot.textContent = "";
        Array.prototype.forEach.call(doc.body.childNodes, function (node) {
          slot.appendChild(document.importNode(node, true));
        });
      })
      .catch(function () { delete details.dataset.loaded; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bar = document.getElementById("decision-bar");
    document.querySelectorAll("details.edit, details.edit-title").forEach(function (details) {
      details.addEventListener("toggle", function () {
        if (!details.open) {
          if (opening === details) { opening = null; }
          return;
        }
        current = details.closest(".row") || current;
        openEditor(details);
      });
    });
    document.querySelectorAll("details.block-history").forEach(function (details) {
      details.addEventListener("toggle", function () { if (details.open) { loadHistory(details); } });
    });
    // An editor the server opened (a save that failed or conflicted, or a block's editor on
    // a page of its own) gets its rich editors at once, with the reviewer's text in them,
    // and the focus.
    var opened = null;
    document.querySelectorAll("form.editor-form").forEach(function (form) {
      var details = form.closest("details");
      if (details && !details.open) { return; }
      ensureForm(form);
      if (!details || details.classList.contains("edit")) { opened = form; }
    });
    var wire = {
      "next-warning": function () { step(flagged(), 1, "warning"); },
      "prev-warning": function () { step(flagged(), -1, "warning"); },
      "next-edited": function () { step(edited(), 1, "edited block"); },
      "prev-edited": function () { step(edited(), -1, "edited block"); },
      "show-keys": function () { document.getElementById("keys-help").showModal(); },
    };
    Object.keys(wire).forEach(function (id) {
      var button = document.getElementById(id);
      if (button) { button.addEventListener("click", wire[id]); }
    });
    document.querySelectorAll("dialog .close-dialog").forEach(function (button) {
      button.addEventListener("click", function () { button.closest("dialog").close(); });
    });
    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", function (event) {
      var row = event.target.closest && event.target.closest(".row.block, .title-checks");
      if (row) { current = row; }
    });
    // Back at the block just saved: focus it, so the next key goes on from there.
    var saved = new URLSearchParams(window.location.search).get("saved");
    if (opened) {
      current = opened.closest(".row");
      focusFirst(opened);
    } else if (saved !== null) {
      var target = saved === "-1" ? document.getElementById("draft-title")
        : document.getElementById("block-" + saved);
      if (target) {
        current = target.classList.contains("row") ? target : null;
        target.scrollIntoView({ block: "start" });
        target.focus({ preventScroll: true });
      }
    }
    document.body.setAttribute("data-review-ready", "1");
    if (window.performance && performance.mark) { performance.mark("review-ready"); }
  });
}());
