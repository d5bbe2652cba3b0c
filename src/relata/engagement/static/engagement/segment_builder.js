/* The segment rule builder.
 *
 * Reads the field catalogue from #segment-catalogue and the translated texts from
 * #segment-builder-text (both written by json_script), and the rules from the form's
 * #id_rules textarea, which it keeps up to date as JSON: the server receives exactly what it
 * would receive from the API. Every change asks the server for the count and the first
 * members (POST to data-preview-url) and shows the answer in #segment-preview.
 * No inline script and no third-party code.
 */
(function () {
  "use strict";

  var root = document.getElementById("segment-builder");
  var catalogueSource = document.getElementById("segment-catalogue");
  var textarea = document.getElementById("id_rules");
  if (!root || !catalogueSource || !textarea) {
    return;
  }
  var catalogue = JSON.parse(catalogueSource.textContent);
  var text = JSON.parse(document.getElementById("segment-builder-text").textContent);
  var previewBox = document.getElementById("segment-preview");
  var form = textarea.form;
  var MAX_DEPTH = 4;
  var CHECKBOX_LIMIT = 16;
  var NO_VALUE = { is_set: 1, is_not_set: 1, is_true: 1, is_false: 1 };
  var LIST_OPS = { "in": 1, not_in: 1, any_of: 1, all_of: 1, none_of: 1 };
  var fields = {};
  catalogue.fields.forEach(function (f) { fields[f.key] = f; });
  var suggestions = {};

  var tree;
  try {
    tree = JSON.parse(textarea.value || "{}");
  } catch (e) {
    tree = null;
  }
  if (!tree || typeof tree !== "object" || !Array.isArray(tree.rules)) {
    tree = { match: "all", rules: [] };
  }
  textarea.readOnly = true;

  // --- small DOM helpers -------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") {
        node.textContent = attrs[key];
      } else if (key === "className") {
        node.className = attrs[key];
      } else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) {
        node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function option(value, label, selected) {
    var node = el("option", { value: value, text: label });
    if (selected) {
      node.selected = true;
    }
    return node;
  }

  function idFor(path, role) {
    return "sb-" + (path.length ? path.join("-") : "root") + "-" + role;
  }

  function isGroup(item) {
    return item && typeof item === "object" && (Array.isArray(item.rules) || "match" in item);
  }

  // --- defaults when the field or operator changes -------------------------------------
  function defaultValue(field, op) {
    if (!field || NO_VALUE[op]) {
      return undefined;
    }
    if (field.type === "relative-date" && op !== "before" && op !== "after") {
      return { amount: 90, unit: "days" };
    }
    if (op === "between") {
      return ["", ""];
    }
    if (LIST_OPS[op]) {
      return [];
    }
    return "";
  }

  function reshape(condition, field, op) {
    var old = condition.value;
    var fresh = defaultValue(field, op);
    if (Array.isArray(fresh) && op !== "between" && Array.isArray(old) && old.length !== 2) {
      return old; // list to list: keep the ticked choices
    }
    if (Array.isArray(fresh) && op !== "between" && typeof old === "string" && old) {
      return [old];
    }
    if (typeof fresh === "string" && Array.isArray(old) && old.length && op !== "between") {
      return old[0];
    }
    if (fresh && typeof fresh === "object" && !Array.isArray(fresh) && old && typeof old === "object" && !Array.isArray(old)) {
      return old;
    }
    if (typeof fresh === "string" && (typeof old === "string" || typeof old === "number")) {
      return old;
    }
    return fresh;
  }

  function asNumber(raw) {
    var cleaned = String(raw).trim().replace(",", ".");
    if (cleaned === "") {
      return "";
    }
    var number = Number(cleaned);
    return isFinite(number) ? number : raw;
  }

  // --- rendering -----------------------------------------------------------------------
  function fieldSelect(condition, path) {
    var select = el("select", {
      className: "form-select form-select-sm sb-field",
      id: idFor(path, "field"),
      "aria-label": text.field
    });
    select.appendChild(option("", text.choose_field, !condition.field));
    catalogue.groups.forEach(function (group) {
      var optgroup = el("optgroup", { label: group[1] });
      catalogue.fields.forEach(function (f) {
        if (f.group === group[0]) {
          optgroup.appendChild(option(f.key, f.label, f.key === condition.field));
        }
      });
      select.appendChild(optgroup);
    });
    select.addEventListener("change", function () {
      var field = fields[select.value];
      condition.field = select.value;
      condition.op = field ? field.ops[0] : "";
      condition.value = defaultValue(field, condition.op);
      delete condition.days;
      changed(true, idFor(path, "op"));
    });
    return select;
  }

  function opSelect(condition, field, path) {
    var select = el("select", {
      className: "form-select form-select-sm sb-op",
      id: idFor(path, "op"),
      "aria-label": text.operator
    });
    field.ops.forEach(function (op) {
      select.appendChild(option(op, catalogue.ops[op], op === condition.op));
    });
    select.addEventListener("change", function () {
      condition.op = select.value;
      condition.value = reshape(condition, field, condition.op);
      if (condition.value === undefined) {
        delete condition.value;
      }
      changed(true, idFor(path, "op"));
    });
    return select;
  }

  function choiceChecks(condition, field, path) {
    var values = Array.isArray(condition.value) ? condition.value.map(String) : [];
    var box = el("div", { className: "sb-checks d-flex flex-wrap gap-1", role: "group", "aria-label": text.value });
    field.choices.forEach(function (choice, index) {
      var id = idFor(path, "choice-" + index);
      var input = el("input", { type: "checkbox", className: "btn-check", id: id, value: choice[0], autocomplete: "off" });
      input.checked = values.indexOf(String(choice[0])) >= 0;
      input.addEventListener("change", function () {
        var ticked = [];
        box.querySelectorAll("input:checked").forEach(function (i) { ticked.push(i.value); });
        condition.value = ticked;
        changed(false);
      });
      box.appendChild(input);
      box.appendChild(el("label", { className: "btn btn-sm btn-outline-primary", "for": id, text: choice[1] }));
    });
    return box;
  }

  function choiceMulti(condition, field, path) {
    var values = Array.isArray(condition.value) ? condition.value.map(String) : [];
    var select = el("select", {
      className: "form-select form-select-sm",
      multiple: true,
      size: Math.min(6, field.choices.length),
      id: idFor(path, "value"),
      "aria-label": text.value
    });
    field.choices.forEach(function (choice) {
      select.appendChild(option(choice[0], choice[1], values.indexOf(String(choice[0])) >= 0));
    });
    select.addEventListener("change", function () {
      condition.value = Array.prototype.map.call(select.selectedOptions, function (o) { return o.value; });
      changed(false);
    });
    return el("div", {}, [select, el("div", { className: "form-text", text: text.multi_hint })]);
  }

  function choiceSingle(condition, field, path) {
    var select = el("select", { className: "form-select form-select-sm", id: idFor(path, "value"), "aria-label": text.value });
    select.appendChild(option("", text.choose, !condition.value));
    field.choices.forEach(function (choice) {
      select.appendChild(option(choice[0], choice[1], String(condition.value) === String(choice[0])));
    });
    select.addEventListener("change", function () {
      condition.value = select.value;
      changed(false);
    });
    return select;
  }

  function numberInput(value, field, id, onInput) {
    var input = el("input", {
      type: "number",
      className: "form-control form-control-sm sb-number",
      id: id,
      step: field.integer ? "1" : "any",
      min: field.min,
      max: field.max,
      "aria-label": text.value,
      inputmode: "decimal"
    });
    input.value = value === undefined || value === null ? "" : value;
    input.addEventListener("input", function () { onInput(asNumber(input.value)); });
    return input;
  }

  function textInput(condition, field, path) {
    var input = el("input", {
      type: "text",
      className: "form-control form-control-sm",
      id: idFor(path, "value"),
      maxlength: 1000,
      "aria-label": text.value,
      placeholder: (condition.op === "in" || condition.op === "not_in" || condition.op === "starts_with") ? text.comma_separated : ""
    });
    input.value = Array.isArray(condition.value) ? condition.value.join(", ") : (condition.value || "");
    input.addEventListener("input", function () {
      condition.value = input.value;
      changed(false);
    });
    if (field.suggest) {
      var listId = "sb-suggest-" + field.key;
      input.setAttribute("list", listId);
      loadSuggestions(field.key, listId);
    }
    return input;
  }

  function loadSuggestions(key, listId) {
    if (suggestions[key]) {
      return;
    }
    suggestions[key] = true;
    var list = el("datalist", { id: listId });
    document.body.appendChild(list);
    var url = root.getAttribute("data-suggest-url") + "?field=" + encodeURIComponent(key);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { values: [] }; })
      .then(function (data) {
        (data.values || []).forEach(function (value) { list.appendChild(el("option", { value: value })); });
      })
      .catch(function () { /* suggestions are a convenience only */ });
  }

  function relativeInput(condition, path) {
    var value = condition.value && typeof condition.value === "object" ? condition.value : { amount: condition.value, unit: "days" };
    condition.value = value;
    var amount = el("input", {
      type: "number",
      className: "form-control form-control-sm sb-number",
      id: idFor(path, "value"),
      min: 0,
      step: 1,
      "aria-label": text.amount
    });
    amount.value = value.amount === undefined ? "" : value.amount;
    amount.addEventListener("input", function () {
      value.amount = asNumber(amount.value);
      changed(false);
    });
    var unit = el("select", { className: "form-select form-select-sm w-auto", id: idFor(path, "unit"), "aria-label": text.unit });
    catalogue.units.forEach(function (u) { unit.appendChild(option(u[0], u[1], u[0] === (value.unit || "days"))); });
    unit.addEventListener("change", function () {
      value.unit = unit.value;
      changed(false);
    });
    return el("div", { className: "d-flex gap-1 align-items-center" }, [amount, unit]);
  }

  function valueWidget(condition, field, path) {
    var op = condition.op;
    if (NO_VALUE[op]) {
      return null;
    }
    if (field.type === "choice" || field.type === "multi-choice") {
      if (LIST_OPS[op]) {
        return field.choices.length <= CHECKBOX_LIMIT ? choiceChecks(condition, field, path) : choiceMulti(condition, field, path);
      }
      return choiceSingle(condition, field, path);
    }
    if ((field.type === "relative-date" || field.type === "date") && (op === "before" || op === "after")) {
      var date = el("input", { type: "date", className: "form-control form-control-sm w-auto", id: idFor(path, "value"), "aria-label": text.date });
      date.value = typeof condition.value === "string" ? condition.value : "";
      condition.value = date.value;
      date.addEventListener("input", function () {
        condition.value = date.value;
        changed(false);
      });
      return date;
    }
    if (field.type === "relative-date") {
      return relativeInput(condition, path);
    }
    if (field.type === "number" || field.type === "money") {
      if (op === "between") {
        var pair = Array.isArray(condition.value) && condition.value.length === 2 ? condition.value : ["", ""];
        condition.value = pair;
        return el("div", { className: "d-flex gap-1 align-items-center" }, [
          numberInput(pair[0], field, idFor(path, "value"), function (v) { pair[0] = v; changed(false); }),
          el("span", { className: "small text-body-secondary", text: text.and }),
          numberInput(pair[1], field, idFor(path, "value2"), function (v) { pair[1] = v; changed(false); })
        ]);
      }
      return numberInput(condition.value, field, idFor(path, "value"), function (v) {
        condition.value = v;
        changed(false);
      });
    }
    return textInput(condition, field, path);
  }

  function windowInput(condition, path) {
    var input = el("input", {
      type: "number",
      className: "form-control form-control-sm sb-number",
      id: idFor(path, "days"),
      min: 1,
      step: 1,
      placeholder: text.ever,
      "aria-label": text.window
    });
    input.value = condition.days || "";
    input.addEventListener("input", function () {
      var days = asNumber(input.value);
      if (days === "") {
        delete condition.days;
      } else {
        condition.days = days;
      }
      changed(false);
    });
    return el("div", { className: "d-flex gap-1 align-items-center small text-body-secondary sb-window" }, [
      el("label", { "for": idFor(path, "days"), text: text.window_prefix }),
      input,
      el("span", { text: text.window_suffix })
    ]);
  }

  function removeButton(label, onClick) {
    var button = el("button", { type: "button", className: "btn btn-sm btn-outline-danger sb-remove", title: label, "aria-label": label }, [
      el("i", { className: "bi bi-x-lg" })
    ]);
    button.addEventListener("click", onClick);
    return button;
  }

  function conditionRow(condition, parent, index, path) {
    var field = fields[condition.field];
    var parts = [el("div", { className: "sb-col-field" }, [fieldSelect(condition, path)])];
    if (field) {
      parts.push(el("div", { className: "sb-col-op" }, [opSelect(condition, field, path)]));
      var widget = valueWidget(condition, field, path);
      parts.push(el("div", { className: "sb-col-value" }, widget ? [widget] : []));
    } else {
      parts.push(el("div", { className: "sb-col-op" }));
      parts.push(el("div", {
        className: "sb-col-value text-danger small",
        text: condition.field ? text.unknown_field + " " + condition.field : ""
      }));
    }
    parts.push(removeButton(text.remove_condition, function () {
      parent.rules.splice(index, 1);
      changed(true);
    }));
    var row = el("div", { className: "sb-condition", "data-path": path.join(".") }, [
      el("div", { className: "sb-condition-main" }, parts)
    ]);
    if (field && field.window) {
      row.appendChild(windowInput(condition, path));
    }
    if (field && field.help) {
      row.appendChild(el("div", { className: "form-text mt-0", text: field.help }));
    }
    return row;
  }

  function groupBox(group, parent, index, path) {
    var depth = path.length;
    var match = el("select", { className: "form-select form-select-sm w-auto sb-match", id: idFor(path, "match"), "aria-label": text.match_label });
    match.appendChild(option("all", text.all, group.match !== "any"));
    match.appendChild(option("any", text.any, group.match === "any"));
    match.addEventListener("change", function () {
      group.match = match.value;
      changed(true, idFor(path, "match"));
    });
    var head = el("div", { className: "sb-group-head" }, [
      el("span", { text: depth ? text.group_prefix : text.match_prefix }),
      match,
      el("span", { text: text.of_these })
    ]);
    if (parent) {
      var spacer = el("span", { className: "ms-auto" });
      head.appendChild(spacer);
      head.appendChild(removeButton(text.remove_group, function () {
        parent.rules.splice(index, 1);
        changed(true);
      }));
    }
    var items = el("div", { className: "sb-items" });
    if (!group.rules.length) {
      items.appendChild(el("div", { className: "sb-empty small text-body-secondary", text: depth ? text.empty_group : text.empty_rules }));
    }
    group.rules.forEach(function (item, i) {
      if (i > 0) {
        items.appendChild(el("div", { className: "sb-joiner", "aria-hidden": "true" }, [
          el("span", { className: "badge " + (group.match === "any" ? "text-bg-warning" : "text-bg-secondary"), text: group.match === "any" ? text.or : text.and })
        ]));
      }
      var itemPath = path.concat([i + 1]);
      items.appendChild(isGroup(item) ? groupBox(item, group, i, itemPath) : conditionRow(item, group, i, itemPath));
    });
    var addCondition = el("button", { type: "button", className: "btn btn-sm btn-outline-primary sb-add-condition", id: idFor(path, "add-condition") }, [
      el("i", { className: "bi bi-plus-lg" }), " " + text.add_condition
    ]);
    addCondition.addEventListener("click", function () {
      group.rules.push({ field: "", op: "" });
      changed(true, idFor(path.concat([group.rules.length]), "field"));
    });
    var actions = el("div", { className: "sb-actions" }, [addCondition]);
    if (depth + 1 < MAX_DEPTH) {
      var addGroup = el("button", { type: "button", className: "btn btn-sm btn-outline-secondary sb-add-group", id: idFor(path, "add-group") }, [
        el("i", { className: "bi bi-plus-square-dotted" }), " " + text.add_group
      ]);
      addGroup.addEventListener("click", function () {
        group.rules.push({ match: group.match === "any" ? "all" : "any", rules: [{ field: "", op: "" }] });
        changed(true, idFor(path.concat([group.rules.length, 1]), "field"));
      });
      actions.appendChild(addGroup);
    }
    return el("div", { className: "sb-group" + (depth ? " sb-nested" : ""), "data-path": path.join(".") }, [head, items, actions]);
  }

  function render(focusId) {
    root.replaceChildren(groupBox(tree, null, 0, []));
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) {
        target.focus();
      }
    }
  }

  // --- keeping the textarea and the preview up to date ---------------------------------
  var timer = null;
  var sequence = 0;

  function preview() {
    var url = root.getAttribute("data-preview-url");
    var body = new FormData();
    body.append("rules", textarea.value);
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var mine = ++sequence;
    previewBox.classList.add("sb-loading");
    previewBox.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        if (mine === sequence) {
          previewBox.innerHTML = html;
        }
      })
      .catch(function () {
        if (mine === sequence) {
          previewBox.replaceChildren(el("div", { className: "alert alert-danger mb-0", text: text.preview_failed }));
        }
      })
      .then(function () {
        if (mine === sequence) {
          previewBox.classList.remove("sb-loading");
          previewBox.removeAttribute("aria-busy");
        }
      });
  }

  function changed(structure, focusId) {
    textarea.value = JSON.stringify(tree);
    if (structure) {
      render(focusId);
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(preview, 350);
  }

  render();
  textarea.value = JSON.stringify(tree);
  if (!previewBox.querySelector("#segment-count") && tree.rules.length) {
    preview();
  }
})();
