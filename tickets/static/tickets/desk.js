/* The ticket desk's keyboard and small helpers (self-hosted, no framework).
   Queue: j/k move, Enter/o open, x select, a assign selected to me, / search, ? help.
   Ticket: r reply, n note, u back, Ctrl+Enter send, macros insert at the cursor, the phrase check's
   suggestion replaces the flagged sentence. */
(function () {
  "use strict";

  function typingInField(event) {
    const el = event.target;
    return el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  }

  // -- the queue ------------------------------------------------------------------------------------
  function rows() { return Array.from(document.querySelectorAll("#queue-rows tr.desk-row")); }
  function current() { return document.querySelector("#queue-rows tr.table-active"); }
  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = all[Math.min(all.length - 1, Math.max(0, at + step))] || all[0];
    all.forEach((row) => row.classList.remove("table-active"));
    next.classList.add("table-active");
    next.setAttribute("aria-selected", "true");
    next.scrollIntoView({ block: "nearest" });
  }

  function queueKeys(event) {
    if (!document.getElementById("queue-rows")) return false;
    const row = current();
    switch (event.key) {
      case "j": move(1); return true;
      case "k": move(-1); return true;
      case "o": case "Enter":
        if (row) { window.location.href = row.dataset.href; return true; }
        return false;
      case "x":
        if (row) { const box = row.querySelector(".row-select"); box.checked = !box.checked; return true; }
        return false;
      case "a": {
        const button = document.querySelector("[data-testid=bulk-assign-me]");
        if (row && !document.querySelector(".row-select:checked")) row.querySelector(".row-select").checked = true;
        if (button && document.querySelector(".row-select:checked")) { button.click(); return true; }
        return false;
      }
      default: return false;
    }
  }

  // -- one ticket -------------------------------------------------------------------------------------
  function ticketKeys(event) {
    const reply = document.getElementById("id_body");
    switch (event.key) {
      case "r": if (reply) { reply.focus(); return true; } return false;
      case "n": { const note = document.getElementById("id_note_body"); if (note) { note.focus(); return true; } return false; }
      case "u": { const back = document.querySelector("[data-testid=back-to-queue]"); if (back) { window.location.href = back.href; return true; } return false; }
      default: return false;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "id_body") {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || typingInField(event)) return;
    if (event.key === "?") {
      const help = document.getElementById("shortcuts");
      if (help && window.bootstrap) { window.bootstrap.Modal.getOrCreateInstance(help).show(); event.preventDefault(); }
      return;
    }
    if (event.key === "/") {
      const search = document.querySelector("[data-shortcut='/']");
      if (search) { search.focus(); event.preventDefault(); }
      return;
    }
    if (queueKeys(event) || ticketKeys(event)) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      document.querySelectorAll(".row-select").forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.id === "macro-select" && event.target.value) {
      const option = event.target.selectedOptions[0];
      const reply = document.getElementById("id_body");
      if (reply) {
        const text = option.dataset.body || "";
        const start = reply.selectionStart ?? reply.value.length;
        reply.value = reply.value.slice(0, start) + text + reply.value.slice(reply.selectionEnd ?? start);
        reply.dispatchEvent(new Event("input", { bubbles: true }));
        reply.focus();
      }
      event.target.value = "";
    }
  });

  // The phrase check's "use the approved wording": replace the flagged sentence in the reply.
  document.addEventListener("click", function (event) {
    const use = event.target.closest("[data-use-suggestion]");
    if (!use) return;
    const reply = document.getElementById("id_body");
    if (!reply) return;
    const phrase = use.dataset.phrase;
    const suggestion = use.dataset.suggestion;
    const at = reply.value.toLowerCase().indexOf(phrase.toLowerCase());
    if (at < 0) { reply.value = (reply.value + " " + suggestion).trim(); }
    else {
      const before = reply.value.slice(0, at);
      // the sentence starts after the last end of sentence or line break before the phrase
      let begin = 0;
      for (const mark of [". ", "! ", "? ", "。", "！", "？", "\n"]) {
        const found = before.lastIndexOf(mark);
        if (found >= 0) begin = Math.max(begin, found + mark.length);
      }
      while (begin < at && reply.value[begin] === " ") begin += 1;
      const afterMatch = reply.value.slice(at + phrase.length);
      const end = afterMatch.search(/[.!?。！？]/);
      const stop = end < 0 ? reply.value.length : at + phrase.length + end + 1;
      reply.value = reply.value.slice(0, begin) + suggestion + reply.value.slice(stop);
    }
    reply.dispatchEvent(new Event("input", { bubbles: true }));
    reply.focus();
    event.preventDefault();
  });

  // Typing marks for the other agents on the ticket (sent with the presence poll).
  document.addEventListener("input", function (event) {
    if (event.target.id === "id_body") {
      const flag = document.getElementById("typing-flag");
      if (flag) { flag.value = "1"; clearTimeout(flag._reset); flag._reset = setTimeout(() => { flag.value = "0"; }, 6000); }
    }
  });
})();
