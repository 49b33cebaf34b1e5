/* Counter reception: keyboard help for the procedure picker, Enter on the ID number looks the applicant up,
   attaching a scan ticks its document. Everything works without this file; it only saves keystrokes. */
(function () {
  "use strict";

  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#procedure-results .procedure-option"));
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    // Procedure picker: ↓ from the search box to the results, ↑/↓ among them, Esc back to the box.
    if (target.id === "procedure-search" && event.key === "ArrowDown") {
      var first = options()[0];
      if (first) { event.preventDefault(); first.focus(); }
      return;
    }
    if (target.classList.contains("procedure-option")) {
      var list = options();
      var index = list.indexOf(target);
      if (event.key === "ArrowDown" && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) { list[index - 1].focus(); } else { document.getElementById("procedure-search").focus(); }
      }
      if (event.key === "Escape") { document.getElementById("procedure-search").focus(); }
      return;
    }
    // Enter in the ID number looks the applicant up instead of submitting the whole dossier.
    if (target.hasAttribute("data-lookup") && event.key === "Enter") {
      event.preventDefault();
      if (window.htmx) { window.htmx.trigger(target, "lookup"); }
    }
  });

  // A scan attached to a document means the document was received.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "file" || !target.dataset.ticks) { return; }
    var box = document.getElementById(target.dataset.ticks);
    if (box && target.files && target.files.length && !box.checked) {
      box.checked = true;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
