/* The admin's behaviour: confirmations, select-all, the filter rows, ajax selects
   (form_ajax_refs) and in-list editing (column_editable_list).
   Loaded as a file (never inline) so pages work under a strict Content-Security-Policy;
   everything it reads is in data- attributes the templates write. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function checkedRows(formId) {
    return document.querySelectorAll('input[name="rowid"][form="' + formId + '"]:checked');
  }

  // Ask before deleting or running a bulk action; refuse an action on no rows.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], button[data-needs-selection]");
    if (!button) {
      return;
    }
    var needs = button.getAttribute("data-needs-selection");
    var formId = button.getAttribute("form");
    if (needs && formId && checkedRows(formId).length === 0) {
      window.alert(needs);
      event.preventDefault();
      return;
    }
    var question = button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // The header checkbox selects every row checkbox.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[data-select-all]")) {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (row) {
        row.checked = box.checked;
      });
    }
  });

  var INPUT_TYPES = {
    datepicker: "date",
    datetimepicker: "datetime-local",
    timepicker: "time"
  };

  function valueControl(option, oldControl) {
    var choices = option.getAttribute("data-options");
    var control;
    if (choices) {
      control = document.createElement("select");
      JSON.parse(choices).forEach(function (pair) {
        var item = document.createElement("option");
        item.value = pair[0];
        item.textContent = pair[1];
        control.appendChild(item);
      });
    } else {
      control = document.createElement("input");
      var type = INPUT_TYPES[option.getAttribute("data-type")];
      if (type) {
        control.type = type;
        control.step = "1";
      }
      if (oldControl && oldControl.tagName === "INPUT") {
        control.value = oldControl.value;
      }
    }
    control.className = "admin-input";
    control.setAttribute("data-filter-value", "");
    control.setAttribute("aria-label", oldControl ? oldControl.getAttribute("aria-label") : "Value");
    return control;
  }

  function replaceValueControl(row) {
    var select = row.querySelector("select[data-filter-op]");
    var old = row.querySelector("[data-filter-value]");
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    var control = valueControl(option, old);
    old.parentNode.replaceChild(control, old);
  }

  // Filter inputs are named flt<position>_<filter> when the form is sent.
  function renameFilters(form) {
    form.querySelectorAll(".admin-filter-row").forEach(function (row, position) {
      var select = row.querySelector("select[data-filter-op]");
      var value = row.querySelector("[data-filter-value]");
      if (select && value) {
        value.name = "flt" + position + "_" + select.value;
      }
    });
  }

  onReady(function () {
    var form = document.getElementById("admin-filters");
    if (!form) {
      return;
    }
    var rows = form.querySelector("[data-filter-rows]");
    var template = form.querySelector("template[data-filter-template]");

    document.querySelectorAll("[data-add-filter]").forEach(function (button) {
      button.addEventListener("click", function () {
        var row = template.content.firstElementChild.cloneNode(true);
        rows.appendChild(row);
        replaceValueControl(row);
        form.classList.remove("admin-filters-empty");
        row.querySelector("[data-filter-value]").focus();
      });
    });

    form.addEventListener("change", function (event) {
      if (event.target.matches("select[data-filter-op]")) {
        replaceValueControl(event.target.closest(".admin-filter-row"));
      }
    });

    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-filter]");
      if (remove) {
        remove.closest(".admin-filter-row").remove();
        renameFilters(form);
        form.submit();
      }
    });

    form.addEventListener("submit", function () {
      renameFilters(form);
    });
  });

  // ---------------------------------------------------------------------------
  // Ajax selects (form_ajax_refs). The server renders a plain <select> holding
  // only the current value(s), usable without JavaScript; a search box beside it
  // fetches matches from the lookup URL in data-url and lists them as options.

  var LOOKUP_DELAY_MS = 250;

  function lookupUrl(select, term) {
    var url = select.getAttribute("data-url");
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "query=" + encodeURIComponent(term);
  }

  // Keep the blank choice and what is selected; replace the other options.
  function fillOptions(select, pairs) {
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (!option.selected && option.value !== "") {
        option.remove();
      }
    });
    var present = {};
    Array.prototype.forEach.call(select.options, function (option) {
      present[option.value] = true;
    });
    pairs.forEach(function (pair) {
      var value = String(pair[0]);
      if (present[value]) {
        return;
      }
      var option = document.createElement("option");
      option.value = value;
      option.textContent = pair[1];
      select.appendChild(option);
    });
  }

  function enhanceAjaxSelect(select) {
    if (select.hasAttribute("data-ajax-ready")) {
      return;
    }
    select.setAttribute("data-ajax-ready", "");
    var placeholder = select.getAttribute("data-placeholder") || "";
    var minimum = parseInt(select.getAttribute("data-minimum-input-length") || "1", 10);
    var box = document.createElement("input");
    box.type = "search";
    box.className = "admin-input admin-ajax-search";
    box.placeholder = placeholder;
    box.autocomplete = "off";
    box.setAttribute("aria-label", placeholder || "Search");
    box.setAttribute("data-ajax-search", "");
    select.parentNode.insertBefore(box, select);
    var timer = null;
    var latest = 0;
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var term = box.value.trim();
      if (term.length < minimum) {
        return;
      }
      timer = window.setTimeout(function () {
        var serial = ++latest;
        window.fetch(lookupUrl(select, term), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(function (pairs) {
          // An answer to an older term must not replace a newer one.
          if (serial === latest) {
            fillOptions(select, pairs);
            select.setAttribute("data-ajax-loaded", String(pairs.length));
          }
        });
      }, LOOKUP_DELAY_MS);
    });
    // Enter in the search box searches; it must not submit the form.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  }

  onReady(function () {
    document.querySelectorAll('select[data-role="select2-ajax"]').forEach(function (select) {
      // Selects inside a <template> are enhanced when the template is used.
      if (!select.closest("template")) {
        enhanceAjaxSelect(select);
      }
    });
  });

  // ---------------------------------------------------------------------------
  // In-list editing (column_editable_list). A cell holds a button showing the
  // value and a <template> with the field's input; clicking puts the input in
  // place, and saving posts it with the row's key and the CSRF token.

  function controlValue(form, name, body) {
    var sent = false;
    form.querySelectorAll("[name]").forEach(function (input) {
      if (input.name !== name) {
        return;
      }
      sent = true;
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) {
          body.append(name, input.value || "y");
        } else if (input.type === "checkbox") {
          body.append(name, "");
        }
      } else if (input.multiple) {
        var chosen = Array.prototype.filter.call(input.options, function (o) { return o.selected; });
        if (chosen.length === 0) {
          body.append(name, "");
        }
        chosen.forEach(function (option) { body.append(name, option.value); });
      } else {
        body.append(name, input.value);
      }
    });
    return sent;
  }

  function displayText(form, name) {
    var parts = [];
    form.querySelectorAll("[name]").forEach(function (input) {
      if (input.name !== name) {
        return;
      }
      if (input.tagName === "SELECT") {
        Array.prototype.forEach.call(input.options, function (option) {
          if (option.selected && option.value !== "") {
            parts.push(option.textContent);
          }
        });
      } else if (input.type === "checkbox") {
        parts.push(input.checked ? "\u2714" : "\u2718");
      } else if (input.type !== "radio" || input.checked) {
        parts.push(input.value);
      }
    });
    return parts.join(", ");
  }

  // Write the saved value into the template, so the next edit starts from it.
  function rememberValue(template, holder) {
    var copy = holder.cloneNode(true);
    copy.querySelectorAll("[data-ajax-search]").forEach(function (box) { box.remove(); });
    var live = holder.querySelectorAll("input, select, textarea");
    copy.querySelectorAll("input, select, textarea").forEach(function (input, index) {
      var source = live[index];
      input.removeAttribute("data-ajax-ready");
      if (input.tagName === "SELECT") {
        Array.prototype.forEach.call(input.options, function (option, i) {
          option.toggleAttribute("selected", source.options[i].selected);
        });
      } else if (input.tagName === "TEXTAREA") {
        input.textContent = source.value;
      } else if (input.type === "checkbox" || input.type === "radio") {
        input.toggleAttribute("checked", source.checked);
      } else {
        input.setAttribute("value", source.value);
      }
    });
    template.innerHTML = "";
    while (copy.firstChild) {
      template.content.appendChild(copy.firstChild);
    }
  }

  function closeEditor(cell) {
    var form = cell.querySelector("form.admin-editable-form");
    if (form) {
      form.remove();
    }
    cell.querySelector("[data-editable-open]").hidden = false;
  }

  function saveEditor(cell, form, holder, error) {
    var name = cell.getAttribute("data-name");
    var body = new FormData();
    body.append("list_form_pk", cell.getAttribute("data-pk"));
    var csrf = cell.getAttribute("data-csrf");
    if (csrf) {
      body.append("csrf_token", csrf);
    }
    controlValue(form, name, body);
    error.textContent = "";
    window.fetch(cell.getAttribute("data-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          error.textContent = text || response.statusText;
          return;
        }
        var button = cell.querySelector("[data-editable-open]");
        button.textContent = displayText(form, name);
        rememberValue(cell.querySelector("template[data-editable-input]"), holder);
        closeEditor(cell);
        button.focus();
      });
    }, function () {
      error.textContent = "The record could not be saved: no answer from the server.";
    });
  }

  function openEditor(cell) {
    if (cell.querySelector("form.admin-editable-form")) {
      return;
    }
    var opener = cell.querySelector("[data-editable-open]");
    var template = cell.querySelector("template[data-editable-input]");
    var form = document.createElement("form");
    form.className = "admin-editable-form";
    // As on the admin's other forms, the server's validators speak, in one voice.
    form.noValidate = true;
    var holder = document.createElement("span");
    holder.className = "admin-editable-control";
    holder.appendChild(template.content.cloneNode(true));
    form.appendChild(holder);
    var save = document.createElement("button");
    save.type = "submit";
    save.className = "admin-btn admin-btn-primary admin-editable-save";
    save.textContent = "Save";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "admin-btn admin-editable-cancel";
    cancel.textContent = "Cancel";
    var error = document.createElement("span");
    error.className = "admin-editable-error";
    error.setAttribute("role", "alert");
    form.appendChild(save);
    form.appendChild(cancel);
    form.appendChild(error);
    opener.hidden = true;
    cell.appendChild(form);
    holder.querySelectorAll('select[data-role="select2-ajax"]').forEach(enhanceAjaxSelect);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveEditor(cell, form, holder, error);
    });
    cancel.addEventListener("click", function () {
      closeEditor(cell);
      opener.focus();
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeEditor(cell);
        opener.focus();
      }
    });
    var first = holder.querySelector("input, select, textarea");
    if (first) {
      first.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-editable-open]");
    if (opener) {
      openEditor(opener.closest(".admin-editable"));
    }
  });
})();
