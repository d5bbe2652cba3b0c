/* Small page behaviours declared with data attributes, because the Content-Security-Policy
   (decision 0960) blocks inline event handlers (onclick=, onchange=, onsubmit=, onfocus=).

   data-autosubmit        on a field: submit its form when the value changes.
   data-confirm="text"    on a form: ask before submitting; on a button or link: ask before
                          it acts. Cancelling stops the submit or click.
   data-select-on-focus   on an input: select its text when it gets focus.

   Listeners sit on the document, so content swapped in by htmx behaves the same. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var element = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (element && element.tagName !== "FORM" && !window.confirm(element.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-select-on-focus]") && input.select) {
      input.select();
    }
  });
})();
