/* The deal board: drag a card to another column to move the deal (SortableJS + htmx).
 *
 * A drop posts {stage, version} to the card's move URL with htmx; the server answers with
 * the whole board re-rendered (and a message), so the page always shows what was stored:
 * a refused or stale move simply puts the card back where the server says it is.
 * Dropping on "Lost" first asks for the reason in a modal; cancelling reloads the board.
 * Without JavaScript every card has a small "Move" form that does the same.
 */
(function () {
  "use strict";

  var pending = null; // the card dropped on Lost while the modal asks for the reason

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function filterValues() {
    var values = {};
    var form = document.getElementById("board-filters");
    if (form) {
      new FormData(form).forEach(function (value, key) { values[key] = value; });
    }
    return values;
  }

  function move(card, stage, extra) {
    var values = filterValues();
    values.stage = stage;
    values.version = card.dataset.version;
    Object.keys(extra || {}).forEach(function (key) { values[key] = extra[key]; });
    card.classList.add("opacity-50");
    htmx.ajax("POST", card.dataset.moveUrl, {
      target: "#board",
      swap: "outerHTML",
      values: values,
      headers: { "X-CSRFToken": csrfToken() }
    });
  }

  function reloadBoard() {
    var form = document.getElementById("board-filters");
    var url = form ? form.getAttribute("hx-get") : window.location.pathname;
    var query = new URLSearchParams(filterValues()).toString();
    htmx.ajax("GET", url + (query ? "?" + query : ""), { target: "#board", swap: "outerHTML" });
  }

  function onDrop(event) {
    var card = event.item;
    var from = event.from.dataset.stage;
    var to = event.to.dataset.stage;
    if (from === to) {
      return;
    }
    if (to === "lost") {
      pending = card;
      var modal = document.getElementById("lost-modal");
      document.getElementById("lost-form").reset();
      bootstrap.Modal.getOrCreateInstance(modal).show();
      return;
    }
    move(card, to);
  }

  function init(root) {
    var board = root.querySelector ? root.querySelector(".deal-board") : null;
    if (!board && root.classList && root.classList.contains("deal-board")) {
      board = root;
    }
    if (!board || board.dataset.canMove !== "1" || typeof Sortable === "undefined") {
      return;
    }
    board.querySelectorAll(".deal-cards").forEach(function (list) {
      Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card",
        filter: "details, summary, select, button, input",
        preventOnFilter: false,
        animation: 150,
        ghostClass: "deal-card-ghost",
        onEnd: onDrop
      });
    });
  }

  var lostForm = document.getElementById("lost-form");
  var lostModal = document.getElementById("lost-modal");
  if (lostForm && lostModal) {
    lostForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) {
        return;
      }
      var card = pending;
      pending = null;
      bootstrap.Modal.getOrCreateInstance(lostModal).hide();
      move(card, "lost", {
        lost_reason: lostForm.elements.lost_reason.value,
        lost_note: lostForm.elements.lost_note.value
      });
    });
    lostModal.addEventListener("hidden.bs.modal", function () {
      if (pending) { // cancelled: put the card back as the server has it
        pending = null;
        reloadBoard();
      }
    });
  }

  htmx.onLoad(init);
})();
