// speechgen workbench: the little the pages do besides htmx. No inline script anywhere
// (Content-Security-Policy: default-src 'self'), no eval, nothing fetched from elsewhere.
(function () {
  "use strict";

  function changed(el) {
    el.dispatchEvent(new Event("input", { bubbles: true })); // the form asks for a new preview on input
  }

  // the review fieldset belongs to summary meetings only: hidden (and not submitted) for the others
  function showTypes(form) {
    var type = form.querySelector("select[name=type]");
    if (!type) return;
    form.querySelectorAll("fieldset[data-types]").forEach(function (fs) {
      var on = fs.dataset.types.split(" ").indexOf(type.value) >= 0;
      fs.hidden = !on;
      fs.disabled = !on;
    });
  }

  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-row]");
    if (add) {
      var list = add.closest(".list-field");
      var row = list.querySelector("template").content.firstElementChild.cloneNode(true);
      list.querySelector(".rows").appendChild(row);
      row.querySelector("input").focus();
      return;
    }
    var remove = e.target.closest("[data-remove-row]");
    if (remove) {
      var form = remove.closest("form");
      remove.closest(".row").remove();
      if (form) changed(form);
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    var sentence = e.target.closest && e.target.closest(".s[data-place]");
    if (sentence) {
      e.preventDefault();
      sentence.click();
    } else if (e.target.matches && e.target.matches("#event-form input")) {
      e.preventDefault(); // the form is never submitted: every button asks htmx
    }
  });

  // the file name to save under does not change the draft: typing it asks for no new preview (~0.3 s each)
  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest("fieldset.save")) e.stopPropagation();
  }, true);

  document.addEventListener("submit", function (e) {
    if (e.target.id === "event-form") e.preventDefault();
  });

  document.addEventListener("change", function (e) {
    if (e.target.name === "type" && e.target.form) showTypes(e.target.form);
  });

  // the sentence asked about stays marked while its alternatives are shown
  document.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail.elt;
    if (el && el.matches && el.matches(".s[data-place]")) {
      document.querySelectorAll(".s.asked").forEach(function (s) { s.classList.remove("asked"); });
      el.classList.add("asked");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("event-form");
    if (form) showTypes(form);
  });
})();
