// Progressive enhancement for the RMOS pages. Everything works without this file: it adds copy buttons for
// hashes and the G-code, writes typed dimensions into the design forms' sketches and keeps the two-run
// picker from comparing a run with itself. Loaded with `defer`, from static/ only, so the pages'
// Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  function copyText(text, button) {
    var label = button.textContent;
    function done(message) {
      button.textContent = message;
      window.setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () { done("Select it"); });
      return;
    }
    // Plain http on the shop's network has no clipboard API; the older copy command still works there.
    var scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.className = "visually-hidden";
    document.body.appendChild(scratch);
    scratch.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(scratch);
    done(copied ? "Copied" : "Select it");
  }

  // Copy buttons for whole files (the G-code): the text is fetched from the download the link next to
  // the button offers, so what is copied is byte for byte what gcode_sha256 covers.
  function setUpCopyUrlButtons() {
    document.querySelectorAll("button.copy-url[data-copy-url]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        fetch(button.getAttribute("data-copy-url"), { credentials: "same-origin" })
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.text();
          })
          .then(function (text) { copyText(text, button); }, function () { button.textContent = "Download it instead"; });
      });
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        // Selecting the text too leaves a visible, copyable selection if the clipboard is refused.
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        copyText(target.textContent.trim(), button);
      });
    });
  }

  function setUpComparePicker() {
    var form = document.getElementById("compare-form");
    if (!form) { return; }
    var button = document.getElementById("compare-button");
    function checked(name) {
      var input = form.querySelector("input[name='" + name + "']:checked");
      return input ? input.value : "";
    }
    function refresh() {
      var a = checked("a"), b = checked("b");
      // A run may be A or B, not both: its other radio is disabled while it is picked.
      form.querySelectorAll("input[type=radio]").forEach(function (input) {
        var other = input.name === "a" ? b : a;
        input.disabled = input.value === other && !input.checked;
        var row = input.closest("tr");
        if (row) { row.classList.toggle("picked", input.value === a || input.value === b); }
      });
      if (button) {
        button.disabled = !(a && b && a !== b);
        button.title = button.disabled ? "Pick run A and run B first" : "";
      }
    }
    form.addEventListener("change", refresh);
    refresh();
  }

  // The sketch beside each shape's fields names its dimensions; with this script it also shows the values
  // typed (or the defaults the blank fields will take) as they are typed.
  function setUpShapeSketches() {
    document.querySelectorAll(".shape-fieldset").forEach(function (fieldset) {
      var shape = fieldset.getAttribute("data-shape");
      var labels = fieldset.querySelectorAll("svg.shape-sketch text[data-key]");
      if (!labels.length) { return; }
      function refresh() {
        labels.forEach(function (label) {
          var key = label.getAttribute("data-key");
          var input = fieldset.querySelector("input[name='" + shape + "__" + key + "']");
          if (!label.hasAttribute("data-name")) { label.setAttribute("data-name", label.textContent); }
          var value = input ? (input.value || input.getAttribute("placeholder") || "") : "";
          var unit = key === "angle" ? "°" : " mm";
          label.textContent = value ? key + " " + value + unit : label.getAttribute("data-name");
        });
      }
      fieldset.addEventListener("input", refresh);
      refresh();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpShapeSketches();
    setUpCopyButtons();
    setUpCopyUrlButtons();
    setUpComparePicker();
  });
})();
